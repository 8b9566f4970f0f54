import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createAkskAuthenticator } from '../../../shared/auth/aksk';
import type { OutgoingRequest } from '../../../shared/auth/authenticator';
import { AuthConfigError } from '../../../shared/auth/errors';
import { parseAuthorization, verifySignature } from '../../../shared/auth/sdk-hmac';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: object, credential: unknown): Record<string, string> };
};
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials') as {
  BasicCredentials: new () => { withAk(ak: string): { withSk(sk: string): unknown } };
};

const NOW = new Date('2024-03-01T12:00:00Z');
const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const CREDENTIALS = { accessKey: 'HPUAEXAMPLEAK0001', secretKey: 'exampleSecretKey0123456789abcdefghijklmn' };

function jobsRequest(
  headers: Record<string, string> = { 'content-type': 'application/json' },
): OutgoingRequest {
  return {
    method: 'GET',
    url: new URL(
      `https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com/v3/${PROJECT}/jobs?start_time=2024-03-01T00%3A00%3A00%2B0000&limit=50`,
    ),
    headers,
    body: '',
  };
}

describe('createAkskAuthenticator', () => {
  it('returns X-Sdk-Date, Authorization and X-Project-Id signed over host, content-type and project', async () => {
    const auth = createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT, now: () => NOW });
    const headers = await auth.headersFor(jobsRequest());
    expect(auth.kind).toBe('aksk');
    expect(Object.keys(headers).sort()).toEqual(['Authorization', 'X-Project-Id', 'X-Sdk-Date']);
    expect(headers['X-Sdk-Date']).toBe('20240301T120000Z');
    expect(headers['X-Project-Id']).toBe(PROJECT);
    expect(parseAuthorization(headers.Authorization ?? '')?.signedHeaders).toEqual([
      'content-type',
      'host',
      'x-project-id',
      'x-sdk-date',
    ]);
  });

  it('leaves content-type out when the request has none', async () => {
    const auth = createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT, now: () => NOW });
    const headers = await auth.headersFor(jobsRequest({}));
    expect(parseAuthorization(headers.Authorization ?? '')?.signedHeaders).toEqual([
      'host',
      'x-project-id',
      'x-sdk-date',
    ]);
  });

  it('sends and signs X-Security-Token with temporary credentials', async () => {
    const auth = createAkskAuthenticator({
      ...CREDENTIALS,
      securityToken: 'gQpjbi1ub3J0aC00',
      projectId: PROJECT,
      now: () => NOW,
    });
    const headers = await auth.headersFor(jobsRequest());
    expect(headers['X-Security-Token']).toBe('gQpjbi1ub3J0aC00');
    expect(parseAuthorization(headers.Authorization ?? '')?.signedHeaders).toContain('x-security-token');
  });

  it('signs exactly like the official SDK does with the same headers', async () => {
    const auth = createAkskAuthenticator({
      ...CREDENTIALS,
      securityToken: 'tok',
      projectId: PROJECT,
      now: () => NOW,
    });
    const request = jobsRequest();
    const ours = await auth.headersFor(request);
    const sdk = AKSKSigner.sign(
      {
        endpoint: `${request.url.origin}${request.url.pathname}`,
        method: 'GET',
        headers: {
          'content-type': 'application/json',
          'X-Project-Id': PROJECT,
          'X-Security-Token': 'tok',
          'X-Sdk-Date': '20240301T120000Z',
        },
        queryParams: { start_time: '2024-03-01T00:00:00+0000', limit: '50' },
      },
      new BasicCredentials().withAk(CREDENTIALS.accessKey).withSk(CREDENTIALS.secretKey),
    );
    expect(ours.Authorization).toBe(sdk.Authorization);
  });

  it('produces a signature a server verifies from the headers it receives', async () => {
    const auth = createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT, now: () => NOW });
    const request = jobsRequest();
    const sent = await auth.headersFor(request);
    const received = Object.fromEntries(
      Object.entries({ ...request.headers, ...sent, host: request.url.host }).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    expect(verifySignature({ ...request, headers: received, ...CREDENTIALS, now: NOW })).toEqual({
      ok: true,
    });
  });

  it('signs with the time of each call', async () => {
    let now = NOW;
    const auth = createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT, now: () => now });
    const first = await auth.headersFor(jobsRequest());
    now = new Date(NOW.getTime() + 61_000);
    const second = await auth.headersFor(jobsRequest());
    expect(second['X-Sdk-Date']).toBe('20240301T120101Z');
    expect(second.Authorization).not.toBe(first.Authorization);
  });

  it('says a retry after 401 cannot help', async () => {
    const auth = createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT });
    await expect(auth.invalidate?.({})).resolves.toBe(false);
  });

  it.each([
    [{ accessKey: ' ' }, 'The AK/SK authenticator needs an access key: set HUAWEICLOUD_SDK_AK'],
    [{ secretKey: '' }, 'The AK/SK authenticator needs a secret key: set HUAWEICLOUD_SDK_SK'],
    [{ projectId: '' }, 'The AK/SK authenticator needs the target project id (projectId)'],
  ])('refuses incomplete credentials %o', (change, message) => {
    expect(() => createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT, ...change })).toThrow(
      new AuthConfigError(message),
    );
  });
});

describe('finding 1: createAkskAuthenticator refuses control characters in credentials', () => {
  it.each([
    ['accessKey', 'HUAWEICLOUD_SDK_AK', { accessKey: 'HPUAEXAMPLE\nAK0001' }],
    ['secretKey', 'HUAWEICLOUD_SDK_SK', { secretKey: 'exampleSecret\r\nKey0123456789' }],
    [
      'securityToken',
      'HUAWEICLOUD_SDK_SECURITY_TOKEN',
      { securityToken: 'gQpjbi1ub3J0aC00STS\nsecond-line' },
    ],
  ])(
    'throws AuthConfigError naming %s (%s) when it holds a line break, never quoting it',
    (_field, variable, bad) => {
      const build = () => createAkskAuthenticator({ ...CREDENTIALS, projectId: PROJECT, ...bad });
      expect(build).toThrow(AuthConfigError);
      expect(build).toThrow(new RegExp(`${variable} to the value as one line`));
      const message = (() => {
        try {
          build();
        } catch (error) {
          return (error as Error).message;
        }
        return '';
      })();
      for (const value of Object.values(bad)) {
        for (const piece of value.split(/\s+/)) expect(message).not.toContain(piece);
      }
    },
  );
});
