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
