import type { IncomingMessage } from 'node:http';
import { MAX_SDK_DATE_SKEW_MS, verifySignature } from '../../shared/auth/sdk-hmac';

/** The one AK/SK pair the simulator accepts. */
export interface AkskAuthorizerOptions {
  readonly accessKey: string;
  readonly secretKey: string;
  /** The simulator's clock; `X-Sdk-Date` must be within `maxSkewMs` (15 min) of it. */
  readonly now?: () => Date;
  readonly maxSkewMs?: number;
  /** Told why a request was refused (never a secret), for debugging a client. */
  readonly onReject?: (reason: string) => void;
}

function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The simulator's `authorize` option for AK/SK: accepts a request only when its
 * `SDK-HMAC-SHA256` signature is valid, as Huawei's API gateway would. The jobs API is GET only,
 * so the signature is checked over an empty body and a request that declares a body is refused.
 */
export function akskAuthorizer(options: AkskAuthorizerOptions): (req: IncomingMessage, url: URL) => boolean {
  const now = options.now ?? (() => new Date());
  return (req, url) => {
    const result = declaresBody(req)
      ? { ok: false as const, reason: 'the simulator verifies AK/SK only on requests without a body' }
      : verifySignature({
          method: req.method ?? 'GET',
          url,
          headers: req.headers,
          body: '',
          accessKey: options.accessKey,
          secretKey: options.secretKey,
          now: now(),
          maxSkewMs: options.maxSkewMs ?? MAX_SDK_DATE_SKEW_MS,
        });
    if (!result.ok) options.onReject?.(result.reason);
    return result.ok;
  };
}
