import type { Authenticator, OutgoingRequest } from './authenticator';
import { AuthConfigError } from './errors';
import { signRequest } from './sdk-hmac';

/** A permanent AK/SK pair, or temporary credentials when `securityToken` is set. */
export interface AkskOptions {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Set with temporary AK/SK (from IAM, an agency or a federated login); sent and signed. */
  readonly securityToken?: string;
  readonly projectId: string;
  /** Clock for `X-Sdk-Date`; the real one by default. */
  readonly now?: () => Date;
}

/**
 * A credential with a line break (a pasted token often has one) would make `fetch` throw an error
 * that quotes the header value: refuse it here, naming the variable, never the value.
 */
function refuseControlCharacters(value: string, what: string, variable: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what breaks a header
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new AuthConfigError(
      `The AK/SK ${what} contains a line break or control character: set ${variable} to the value as one line`,
    );
  }
}

/**
 * Authenticates by signing every request with AK/SK (`SDK-HMAC-SHA256`), as the official SDKs
 * do. Signs only headers the request will carry unchanged: `host`, `content-type` (when set),
 * `x-sdk-date`, `x-project-id` and `x-security-token`. Nothing to refresh, so a 401 is final.
 */
export function createAkskAuthenticator(options: AkskOptions): Authenticator {
  const { accessKey, secretKey, securityToken, projectId } = options;
  if (!accessKey?.trim())
    throw new AuthConfigError('The AK/SK authenticator needs an access key: set HUAWEICLOUD_SDK_AK');
  if (!secretKey?.trim())
    throw new AuthConfigError('The AK/SK authenticator needs a secret key: set HUAWEICLOUD_SDK_SK');
  if (!projectId?.trim())
    throw new AuthConfigError('The AK/SK authenticator needs the target project id (projectId)');
  refuseControlCharacters(accessKey, 'access key', 'HUAWEICLOUD_SDK_AK');
  refuseControlCharacters(secretKey, 'secret key', 'HUAWEICLOUD_SDK_SK');
  if (securityToken !== undefined)
    refuseControlCharacters(securityToken, 'security token', 'HUAWEICLOUD_SDK_SECURITY_TOKEN');
  const now = options.now ?? (() => new Date());

  return {
    kind: 'aksk',
    async headersFor(request: OutgoingRequest): Promise<Record<string, string>> {
      const signed: Record<string, string> = { host: request.url.host, 'x-project-id': projectId };
      const contentType = request.headers['content-type'];
      if (contentType !== undefined) signed['content-type'] = contentType;
      if (securityToken) signed['x-security-token'] = securityToken;
      const { authorization, sdkDate } = signRequest({
        method: request.method,
        url: request.url,
        headers: signed,
        body: request.body,
        accessKey,
        secretKey,
        date: now(),
      });
      return {
        'X-Sdk-Date': sdkDate,
        Authorization: authorization,
        'X-Project-Id': projectId,
        ...(securityToken ? { 'X-Security-Token': securityToken } : {}),
      };
    },
    async invalidate(): Promise<boolean> {
      return false;
    },
  };
}
