import type { IncomingMessage } from 'node:http';

/**
 * Extra, pluggable authorisation (AK/SK signature checks plug in here). Returning true
 * authorises the request even without a token.
 */
export type AuthorizeHook = (req: IncomingMessage, url: URL) => boolean | Promise<boolean>;

/** The outcome of the gateway's check: why it refused, never the credential itself. */
export type AuthVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What the simulated gateway accepts. */
export interface AuthPolicy {
  /** The accepted `X-Auth-Token`; null turns the token check off. */
  readonly token: string | null;
  readonly authorize?: AuthorizeHook | undefined;
}

/**
 * Checks a request like the API gateway: authorised when the hook says so or the token
 * matches; with neither check configured everything passes. Reasons mimic `APIG.0301`.
 */
export async function checkAuth(policy: AuthPolicy, req: IncomingMessage, url: URL): Promise<AuthVerdict> {
  if (policy.authorize && (await policy.authorize(req, url))) return { ok: true };
  const header = req.headers['x-auth-token'];
  const sent = Array.isArray(header) ? header[0] : header;
  if (policy.token !== null && sent === policy.token) return { ok: true };
  if (policy.token === null && !policy.authorize) return { ok: true };
  const signed = /^SDK-HMAC-SHA256 /.test(req.headers.authorization ?? '');
  if (sent === undefined || sent === '') {
    return { ok: false, reason: signed ? 'verify aksk signature fail' : 'x-auth-token not found' };
  }
  return { ok: false, reason: 'decrypt token fail' };
}
