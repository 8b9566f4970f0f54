import { describe, expect, it } from 'vitest';
import type { OutgoingRequest } from '../../../shared/auth/authenticator';
import { AuthConfigError } from '../../../shared/auth/errors';
import { authenticatorFromEnv, describeAuth } from '../../../shared/auth/from-env';

const TARGET = { projectId: '0549b4a43100d4f32f51c01c2fe4acdb', region: 'eu-west-101' };
const AKSK = { HUAWEICLOUD_SDK_AK: 'HPUAEXAMPLEAK0001', HUAWEICLOUD_SDK_SK: 'sk-secret-value' };
const IAM = {
  HUAWEICLOUD_USERNAME: 'watcher',
  HUAWEICLOUD_PASSWORD: 'pw-secret-value',
  HUAWEICLOUD_DOMAIN_NAME: 'acme',
};
const TOKEN = { HUAWEICLOUD_AUTH_TOKEN: 'MIItoken-secret-value' };
const SECRETS = ['sk-secret-value', 'pw-secret-value', 'MIItoken-secret-value', 'temp-token-secret'];

const REQUEST: OutgoingRequest = {
  method: 'GET',
  url: new URL('https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu/v3/p/jobs'),
  headers: { 'content-type': 'application/json' },
  body: '',
};

/** A fetch that answers like IAM without any network, recording the URLs it was asked for. */
function offlineIam() {
  const urls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    urls.push(String(input));
    return new Response('{"token":{"expires_at":"2099-01-01T00:00:00Z"}}', {
      status: 201,
      headers: { 'X-Subject-Token': 'issued-token' },
    });
  };
  return { urls, fetch };
}

describe('authenticatorFromEnv', () => {
  it.each([
    ['AK/SK alone', AKSK, 'aksk'],
    ['AK/SK with a security token', { ...AKSK, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temp-token-secret' }, 'aksk'],
    ['AK/SK over IAM password and token', { ...TOKEN, ...IAM, ...AKSK }, 'aksk'],
    ['IAM password alone', IAM, 'iam-password'],
    ['IAM password over token', { ...TOKEN, ...IAM }, 'iam-password'],
    [
      'IAM password with an endpoint',
      { ...IAM, HUAWEICLOUD_IAM_ENDPOINT: 'https://iam.example.test' },
      'iam-password',
    ],
    ['token alone', TOKEN, 'token'],
    ['token with an unrelated domain name', { ...TOKEN, HUAWEICLOUD_DOMAIN_NAME: 'acme' }, 'token'],
    [
      'token with blank AK/SK variables',
      { ...TOKEN, HUAWEICLOUD_SDK_AK: ' ', HUAWEICLOUD_SDK_SK: '' },
      'token',
    ],
  ])('picks %s', (_name, env, kind) => {
    expect(authenticatorFromEnv(env, TARGET).kind).toBe(kind);
  });

  it.each([
    [
      'AK without SK',
      { HUAWEICLOUD_SDK_AK: 'HPUA' },
      'HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not: AK/SK signing needs HUAWEICLOUD_SDK_AK and ' +
        'HUAWEICLOUD_SDK_SK; set HUAWEICLOUD_SDK_SK, or unset HUAWEICLOUD_SDK_AK to use another way to authenticate',
    ],
    [
      'SK without AK (even with a token)',
      { ...TOKEN, HUAWEICLOUD_SDK_SK: 'sk-secret-value' },
      'HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not: AK/SK signing needs HUAWEICLOUD_SDK_AK and ' +
        'HUAWEICLOUD_SDK_SK; set HUAWEICLOUD_SDK_AK, or unset HUAWEICLOUD_SDK_SK to use another way to authenticate',
    ],
    [
      'a security token alone',
      { HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temp-token-secret' },
      'HUAWEICLOUD_SDK_SECURITY_TOKEN is set but HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not: AK/SK signing ' +
        'needs HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK; set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or unset ' +
        'HUAWEICLOUD_SDK_SECURITY_TOKEN to use another way to authenticate',
    ],
    [
      'username without password',
      { HUAWEICLOUD_USERNAME: 'watcher', HUAWEICLOUD_DOMAIN_NAME: 'acme' },
      'HUAWEICLOUD_USERNAME and HUAWEICLOUD_DOMAIN_NAME are set but HUAWEICLOUD_PASSWORD is not: IAM password login ' +
        'needs HUAWEICLOUD_USERNAME, HUAWEICLOUD_PASSWORD and HUAWEICLOUD_DOMAIN_NAME; set HUAWEICLOUD_PASSWORD, or ' +
        'unset HUAWEICLOUD_USERNAME and HUAWEICLOUD_DOMAIN_NAME to use another way to authenticate',
    ],
    [
      'password without username and domain',
      { HUAWEICLOUD_PASSWORD: 'pw-secret-value' },
      'HUAWEICLOUD_PASSWORD is set but HUAWEICLOUD_USERNAME and HUAWEICLOUD_DOMAIN_NAME are not: IAM password login ' +
        'needs HUAWEICLOUD_USERNAME, HUAWEICLOUD_PASSWORD and HUAWEICLOUD_DOMAIN_NAME; set HUAWEICLOUD_USERNAME and ' +
        'HUAWEICLOUD_DOMAIN_NAME, or unset HUAWEICLOUD_PASSWORD to use another way to authenticate',
    ],
    [
      'nothing',
      { HUAWEICLOUD_DOMAIN_NAME: 'acme', HUAWEICLOUD_AUTH_TOKEN: '  ' },
      'No Huawei Cloud credentials are configured: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (AK/SK signing), ' +
        'or HUAWEICLOUD_USERNAME, HUAWEICLOUD_PASSWORD and HUAWEICLOUD_DOMAIN_NAME (IAM password token), ' +
        'or HUAWEICLOUD_AUTH_TOKEN (static token); they are tried in this order',
    ],
  ])('refuses %s with AuthConfigError', (_name, env, message) => {
    const attempt = () => authenticatorFromEnv(env, TARGET);
    expect(attempt).toThrow(AuthConfigError);
    expect(attempt).toThrow(message);
    for (const secret of SECRETS) expect(message).not.toContain(secret);
  });

  it('signs with the AK and sends the security token and project', async () => {
    const auth = authenticatorFromEnv(
      { ...AKSK, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temp-token-secret' },
      TARGET,
    );
    const headers = await auth.headersFor(REQUEST);
    expect(headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0001, SignedHeaders=/);
    expect(headers['X-Security-Token']).toBe('temp-token-secret');
    expect(headers['X-Project-Id']).toBe(TARGET.projectId);
  });

  it("asks the region's IAM for the password token, through the injected fetch", async () => {
    const iam = offlineIam();
    const auth = authenticatorFromEnv(IAM, { ...TARGET, fetch: iam.fetch });
    expect(await auth.headersFor(REQUEST)).toEqual({ 'X-Auth-Token': 'issued-token' });
    expect(iam.urls).toEqual(['https://iam.eu-west-101.myhuaweicloud.eu/v3/auth/tokens']);
  });

  it('asks HUAWEICLOUD_IAM_ENDPOINT when set', async () => {
    const iam = offlineIam();
    const env = { ...IAM, HUAWEICLOUD_IAM_ENDPOINT: 'https://iam.example.test/' };
    await authenticatorFromEnv(env, { ...TARGET, fetch: iam.fetch }).headersFor(REQUEST);
    expect(iam.urls).toEqual(['https://iam.example.test/v3/auth/tokens']);
  });

  it('sends the static token as X-Auth-Token', async () => {
    expect(await authenticatorFromEnv(TOKEN, TARGET).headersFor(REQUEST)).toEqual({
      'X-Auth-Token': 'MIItoken-secret-value',
    });
  });
});

describe('describeAuth', () => {
  it.each([
    ['AK/SK', AKSK, 'aksk (AK HPUA…)'],
    [
      'temporary AK/SK',
      { ...AKSK, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temp-token-secret' },
      'aksk (AK HPUA…, temporary, with security token)',
    ],
    ['a short AK', { HUAWEICLOUD_SDK_AK: 'SHORT', HUAWEICLOUD_SDK_SK: 'sk-secret-value' }, 'aksk (AK …)'],
    ['IAM password', IAM, 'iam-password (user watcher, domain acme)'],
    [
      'IAM password with an endpoint',
      { ...IAM, HUAWEICLOUD_IAM_ENDPOINT: 'https://iam.example.test' },
      'iam-password (user watcher, domain acme, IAM https://iam.example.test)',
    ],
    ['a static token', TOKEN, 'token (static HUAWEICLOUD_AUTH_TOKEN)'],
    [
      'AK without SK',
      { HUAWEICLOUD_SDK_AK: 'HPUA' },
      'unconfigured (HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not: AK/SK signing needs HUAWEICLOUD_SDK_AK ' +
        'and HUAWEICLOUD_SDK_SK; set HUAWEICLOUD_SDK_SK, or unset HUAWEICLOUD_SDK_AK to use another way to authenticate)',
    ],
  ])('describes %s without secrets', (_name, env, text) => {
    const described = describeAuth(env);
    expect(described).toBe(text);
    for (const secret of SECRETS) expect(described).not.toContain(secret);
  });
});

describe('finding 4: describeAuth', () => {
  it('logs an IAM endpoint without the user info or query it should not have had', () => {
    const line = describeAuth({
      HUAWEICLOUD_USERNAME: 'watcher',
      HUAWEICLOUD_PASSWORD: 'pw',
      HUAWEICLOUD_DOMAIN_NAME: 'acme',
      HUAWEICLOUD_IAM_ENDPOINT: 'https://admin:hunter2-secret@iam.example.test/v3?token=abc',
    });
    expect(line).toBe('iam-password (user watcher, domain acme, IAM https://iam.example.test/v3)');
  });
});
