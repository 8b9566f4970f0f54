import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type AuthPolicy, checkAuth } from '../../../local/simulator/auth';

const URL_ = new URL('http://127.0.0.1/v3/p/jobs');
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('checkAuth', () => {
  it.each<[string, AuthPolicy, Record<string, string>, string | true]>([
    ['the right token', { token: 't' }, { 'x-auth-token': 't' }, true],
    ['no token', { token: 't' }, {}, 'x-auth-token not found'],
    ['an empty token', { token: 't' }, { 'x-auth-token': '' }, 'x-auth-token not found'],
    ['a wrong token', { token: 't' }, { 'x-auth-token': 'u' }, 'decrypt token fail'],
    [
      'a signature only',
      { token: 't' },
      { authorization: 'SDK-HMAC-SHA256 Access=a' },
      'verify aksk signature fail',
    ],
    ['no check configured', { token: null }, {}, true],
    ['a hook that admits', { token: null, authorize: () => true }, {}, true],
    [
      'a hook that refuses',
      { token: null, authorize: () => false },
      { 'x-auth-token': 't' },
      'decrypt token fail',
    ],
    [
      'a refusing hook but the right token',
      { token: 't', authorize: async () => false },
      { 'x-auth-token': 't' },
      true,
    ],
  ])('decides for %s', async (_case, policy, headers, expected) => {
    const verdict = await checkAuth(policy, request(headers), URL_);
    expect(verdict).toEqual(expected === true ? { ok: true } : { ok: false, reason: expected });
  });
});
