import type { Authenticator } from './authenticator';

/** Environment variable holding a ready-made IAM token (e.g. from `hcloud` or a CI secret). */
export const AUTH_TOKEN_ENV = 'HUAWEICLOUD_AUTH_TOKEN';

/** Thrown when a static token cannot be sent as a header. Never contains the token. */
export class InvalidAuthTokenError extends Error {
  constructor(problem: string) {
    super(
      `Invalid Huawei Cloud auth token: ${problem}; pass the X-Subject-Token value IAM returned, as one line`,
    );
    this.name = 'InvalidAuthTokenError';
  }
}

/**
 * Authenticates with a static IAM token sent as `X-Auth-Token`. It cannot renew itself, so it
 * has no `invalidate`: a 401 surfaces at once instead of retrying with the same dead token.
 * The token lives only in a closure, so logging the authenticator does not print it.
 */
export function createTokenAuthenticator(token: string): Authenticator {
  if (typeof token !== 'string' || token.trim() === '') throw new InvalidAuthTokenError('it is empty');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what breaks a header
  if (/[\u0000-\u001f\u007f]/.test(token))
    throw new InvalidAuthTokenError('it contains a line break or control character');
  return {
    kind: 'token',
    headersFor: async () => ({ 'X-Auth-Token': token }),
  };
}

/** The token from `HUAWEICLOUD_AUTH_TOKEN`, trimmed; undefined when absent or blank. */
export function tokenFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const value = env[AUTH_TOKEN_ENV]?.trim();
  return value ? value : undefined;
}
