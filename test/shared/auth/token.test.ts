import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import {
  AUTH_TOKEN_ENV,
  createTokenAuthenticator,
  InvalidAuthTokenError,
  tokenFromEnv,
} from '../../../shared/auth/token';

const TOKEN = 'MIIZ-example-token';
const request = {
  method: 'GET',
  url: new URL('https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com/v3/p1/jobs'),
  headers: { 'content-type': 'application/json' },
  body: '',
};

describe('createTokenAuthenticator', () => {
  it('sends the token as X-Auth-Token', async () => {
    const auth = createTokenAuthenticator(TOKEN);
    expect(auth.kind).toBe('token');
    await expect(auth.headersFor(request)).resolves.toEqual({ 'X-Auth-Token': TOKEN });
  });

  it('has no invalidate, since a static token cannot be renewed', () => {
    expect(createTokenAuthenticator(TOKEN).invalidate).toBeUndefined();
  });

  it('does not show the token when logged', () => {
    const auth = createTokenAuthenticator(TOKEN);
    expect(inspect(auth, { depth: 5 })).not.toContain(TOKEN);
    expect(JSON.stringify(auth)).not.toContain(TOKEN);
  });

  it.each([
    ['an empty token', '', 'it is empty'],
    ['a blank token', '   ', 'it is empty'],
    ['a token with a line break', `${TOKEN}\n`, 'it contains a line break or control character'],
  ])('rejects %s without echoing it', (_label, token, problem) => {
    const error = (() => {
      try {
        createTokenAuthenticator(token);
      } catch (caught) {
        return caught;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(InvalidAuthTokenError);
    expect((error as Error).message).toBe(
      `Invalid Huawei Cloud auth token: ${problem}; pass the X-Subject-Token value IAM returned, as one line`,
    );
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('tokenFromEnv', () => {
  it.each<[Record<string, string | undefined>, string | undefined]>([
    [{ [AUTH_TOKEN_ENV]: TOKEN }, TOKEN],
    [{ [AUTH_TOKEN_ENV]: `  ${TOKEN}\n` }, TOKEN],
    [{ [AUTH_TOKEN_ENV]: '' }, undefined],
    [{ [AUTH_TOKEN_ENV]: '  ' }, undefined],
    [{}, undefined],
    [{ HUAWEICLOUD_TOKEN: TOKEN }, undefined],
  ])('reads %j as %j', (env, expected) => {
    expect(tokenFromEnv(env)).toBe(expected);
  });

  it('reads HUAWEICLOUD_AUTH_TOKEN from process.env by default', () => {
    vi.stubEnv('HUAWEICLOUD_AUTH_TOKEN', TOKEN);
    try {
      expect(tokenFromEnv()).toBe(TOKEN);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
