import { afterEach, describe, expect, it } from 'vitest';
import { createIamHandler, type IamHandler } from '../../../local/simulator/iam';
import {
  AuthConfigError,
  IamAuthenticationError,
  IamDeadlineError,
  IamRequestError,
  IamResponseError,
  IamUnavailableError,
} from '../../../shared/auth/errors';
import {
  createIamPasswordAuthenticator,
  type IamPasswordOptions,
  iamEndpointFor,
} from '../../../shared/auth/iam-password';
import { MAX_IAM_BODY_BYTES } from '../../../shared/read-body';
import { sendJson, startHttpServer, streamEndlessBody, type TestHttpServer } from '../../support/http-server';

const PASSWORD = 'Pa55-word!with%secret';
const USER = { name: 'watcher', password: PASSWORD, domainName: 'acme' };
const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const T0 = Date.parse('2024-03-01T12:00:00Z');
const HOUR_MS = 3_600_000;

/** What a step in front of the simulated IAM does with the next request. */
type Fault = 'ok' | 503 | 429 | 'drop';

interface Harness {
  readonly iam: IamHandler;
  readonly server: TestHttpServer;
  readonly sleeps: number[];
  readonly faults: Fault[];
  setNow(ms: number): void;
  auth(overrides?: Partial<IamPasswordOptions>): ReturnType<typeof createIamPasswordAuthenticator>;
}

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A real HTTP server running the simulated IAM, a shared clock, and recorded backoff sleeps. */
async function harness(tokenTtlSeconds = 24 * 3600): Promise<Harness> {
  let nowMs = T0;
  const now = () => new Date(nowMs);
  const iam = createIamHandler({ users: [USER], tokenTtlSeconds, now });
  const faults: Fault[] = [];
  const sleeps: number[] = [];
  server = await startHttpServer(async (req, res) => {
    const fault = faults.shift() ?? 'ok';
    if (fault === 'drop') return void req.socket.destroy();
    if (fault !== 'ok') return sendJson(res, fault, { error_code: 'APIG.1000', error_msg: 'busy' });
    if (!(await iam.handle(req, res))) sendJson(res, 404, {});
  });
  const base = server.url;
  return {
    iam,
    server,
    sleeps,
    faults,
    setNow: (ms) => {
      nowMs = ms;
    },
    auth: (overrides = {}) =>
      createIamPasswordAuthenticator({
        username: USER.name,
        password: PASSWORD,
        domainName: USER.domainName,
        projectId: PROJECT,
        region: 'ap-southeast-1',
        iamEndpoint: base,
        now,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        ...overrides,
      }),
  };
}

async function tokenOf(
  auth: ReturnType<typeof createIamPasswordAuthenticator>,
  budgetMs?: number,
): Promise<string> {
  const headers = await auth.headersFor({
    method: 'GET',
    url: new URL('https://x/v3/p/jobs'),
    headers: {},
    body: '',
    ...(budgetMs === undefined ? {} : { budgetMs }),
  });
  expect(Object.keys(headers)).toEqual(['X-Auth-Token']);
  return headers['X-Auth-Token'] ?? '';
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection with an Error');
  return error;
}

function allText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name} ${error.message} ${error.stack ?? ''} ${JSON.stringify(error)} ${allText(error.cause ?? '')}`;
}

describe('createIamPasswordAuthenticator', () => {
  it('posts the documented password login and sends the issued token as X-Auth-Token', async () => {
    const h = await harness();
    const bodies: unknown[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    };
    const auth = h.auth({ fetch: recordingFetch });
    const token = await tokenOf(auth);
    expect(auth.kind).toBe('iam-password');
    expect(h.iam.isValidToken(token)).toBe(true);
    expect(h.server.requests).toMatchObject([{ method: 'POST', url: '/v3/auth/tokens' }]);
    expect(bodies).toEqual([
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'watcher', password: PASSWORD, domain: { name: 'acme' } } },
          },
          scope: { project: { id: PROJECT } },
        },
      },
    ]);
  });

  it('reuses the cached token', async () => {
    const h = await harness();
    const auth = h.auth();
    const first = await tokenOf(auth);
    h.setNow(T0 + 12 * HOUR_MS);
    expect(await tokenOf(auth)).toBe(first);
    expect(h.iam.issued).toBe(1);
  });

  it('fetches one token for concurrent callers', async () => {
    const h = await harness();
    const auth = h.auth();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => tokenOf(auth)));
    expect(new Set(tokens).size).toBe(1);
    expect(h.server.requests).toHaveLength(1);
  });

  it.each([
    ['5 minutes by default', undefined, 5 * 60_000],
    ['the configured margin', 20 * 60_000, 20 * 60_000],
  ])('refreshes %s before expires_at', async (_name, refreshBeforeExpiryMs, marginMs) => {
    const h = await harness(2 * 3600);
    const auth = h.auth(refreshBeforeExpiryMs === undefined ? {} : { refreshBeforeExpiryMs });
    const first = await tokenOf(auth);
    h.setNow(T0 + 2 * HOUR_MS - marginMs - 1);
    expect(await tokenOf(auth)).toBe(first);
    h.setNow(T0 + 2 * HOUR_MS - marginMs);
    const second = await tokenOf(auth);
    expect(second).not.toBe(first);
    expect(h.iam.isValidToken(second)).toBe(true);
    expect(h.iam.issued).toBe(2);
  });

  it('uses a token shorter-lived than the margin for half its life', async () => {
    const h = await harness(120);
    const auth = h.auth();
    const first = await tokenOf(auth);
    h.setNow(T0 + 59_000);
    expect(await tokenOf(auth)).toBe(first);
    h.setNow(T0 + 60_000);
    expect(await tokenOf(auth)).not.toBe(first);
  });

  it('fetches a new token after invalidate, however young the refused one', async () => {
    const h = await harness();
    const auth = h.auth();
    const first = await tokenOf(auth);
    h.iam.revoke(first);
    // Revoked a second after it was issued: still dropped, one login fetches the next.
    h.setNow(T0 + 1000);
    await expect(auth.invalidate?.({ 'X-Auth-Token': first })).resolves.toBe(true);
    const second = await tokenOf(auth);
    expect(second).not.toBe(first);
    expect(h.iam.isValidToken(second)).toBe(true);
    expect(h.iam.issued).toBe(2);
  });

  it('keeps the newer token when a request refused with an older one reports late', async () => {
    const h = await harness();
    const auth = h.auth();
    const first = await tokenOf(auth);
    await auth.invalidate?.({ 'X-Auth-Token': first });
    const second = await tokenOf(auth);
    // A request that still carried the first token comes back 401 after the renewal.
    await expect(auth.invalidate?.({ 'X-Auth-Token': first })).resolves.toBe(true);
    expect(await tokenOf(auth)).toBe(second);
    expect(h.iam.issued).toBe(2);
  });

  it('invalidates with nothing cached yet by promising a fetch', async () => {
    const h = await harness();
    await expect(h.auth().invalidate?.({})).resolves.toBe(true);
    expect(h.iam.issued).toBe(0);
  });

  it('throws IamAuthenticationError on a wrong password, after exactly one IAM request', async () => {
    const h = await harness();
    const auth = h.auth({ password: 'wrong-password-xyz' });
    const error = await failure(tokenOf(auth));
    expect(error).toBeInstanceOf(IamAuthenticationError);
    expect(error.message).toBe(
      `IAM ${new URL(h.server.url).host} refused the password of user "watcher" in domain "acme" (HTTP 401): ` +
        'check HUAWEICLOUD_USERNAME, HUAWEICLOUD_PASSWORD and HUAWEICLOUD_DOMAIN_NAME (the domain is the account name)',
    );
    expect(allText(error)).not.toContain('wrong-password-xyz');
    expect(h.server.requests).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    const h = await harness();
    h.faults.push(503, 429);
    const token = await tokenOf(h.auth());
    expect(h.iam.isValidToken(token)).toBe(true);
    expect(h.server.requests).toHaveLength(3);
    expect(h.sleeps).toEqual([250, 500]);
  });

  it('gives up with IamUnavailableError after three failing attempts', async () => {
    const h = await harness();
    h.faults.push(503, 503, 503);
    const error = await failure(tokenOf(h.auth()));
    expect(error).toBeInstanceOf(IamUnavailableError);
    expect(error).toMatchObject({ attempts: 3, status: 503 });
    expect(error.message).toContain('answered HTTP 503 after 3 attempts');
    expect(h.server.requests).toHaveLength(3);
  });

  it('retries a dropped connection and keeps the network error as cause', async () => {
    const h = await harness();
    h.faults.push('drop', 'drop');
    const error = await failure(tokenOf(h.auth({ maxAttempts: 2 })));
    expect(error).toBeInstanceOf(IamUnavailableError);
    expect(error.message).toContain('could not be reached after 2 attempts');
    expect(error.cause).toBeInstanceOf(Error);
    expect(allText(error)).not.toContain(PASSWORD);
    expect(h.sleeps).toEqual([250]);
  });

  it('times out an IAM that never answers and retries', async () => {
    const hung = await startHttpServer(() => undefined);
    try {
      const sleeps: number[] = [];
      const auth = createIamPasswordAuthenticator({
        username: USER.name,
        password: PASSWORD,
        domainName: 'acme',
        projectId: PROJECT,
        region: 'ap-southeast-1',
        iamEndpoint: hung.url,
        timeoutMs: 30,
        maxAttempts: 2,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      const error = await failure(tokenOf(auth));
      expect(error).toBeInstanceOf(IamUnavailableError);
      expect(error).toMatchObject({ attempts: 2, status: undefined });
      expect(sleeps).toEqual([250]);
      expect((error.cause as Error).name).toBe('TimeoutError');
      expect(allText(error)).not.toContain(PASSWORD);
    } finally {
      await hung.close();
    }
  });

  it('starts no login when the budget is spent', async () => {
    const h = await harness();
    const error = await failure(tokenOf(h.auth(), 0));
    expect(error).toBeInstanceOf(IamDeadlineError);
    expect(error).toMatchObject({ attempts: 0 });
    expect(h.server.requests).toHaveLength(0);
  });

  it('waits for no retry that would end past the budget', async () => {
    const h = await harness();
    h.faults.push(503, 503, 503);
    // The clock stands still: 250 ms of backoff fit 300 ms, the next 500 ms do not.
    const error = await failure(tokenOf(h.auth(), 300));
    expect(error).toBeInstanceOf(IamDeadlineError);
    expect(error).toMatchObject({ attempts: 2 });
    expect(error.message).toContain('the next cycle logs in again');
    expect(h.sleeps).toEqual([250]);
    expect(h.server.requests).toHaveLength(2);
    expect(allText(error)).not.toContain(PASSWORD);
  });

  it('logs in as before when the budget leaves room', async () => {
    const h = await harness();
    h.faults.push(503);
    expect(h.iam.isValidToken(await tokenOf(h.auth(), 60_000))).toBe(true);
    expect(h.sleeps).toEqual([250]);
  });

  it('does not retry other refusals and quotes IAM without the password', async () => {
    server = await startHttpServer((_req, res) =>
      sendJson(res, 403, { error: { code: 403, message: `User locked (password ${PASSWORD} expired)` } }),
    );
    const auth = createIamPasswordAuthenticator({
      username: 'watcher',
      password: PASSWORD,
      domainName: 'acme',
      projectId: PROJECT,
      region: 'ap-southeast-1',
      iamEndpoint: server.url,
    });
    const error = await failure(tokenOf(auth));
    expect(error).toBeInstanceOf(IamRequestError);
    expect(error.message).toContain('(HTTP 403): "User locked (password *** expired)"');
    expect(allText(error)).not.toContain(PASSWORD);
    expect(server.requests).toHaveLength(1);
  });

  it('throws IamResponseError when a success has no X-Subject-Token', async () => {
    server = await startHttpServer((_req, res) =>
      sendJson(res, 201, { token: { expires_at: '2099-01-01T00:00:00Z' } }),
    );
    const auth = createIamPasswordAuthenticator({
      username: 'watcher',
      password: PASSWORD,
      domainName: 'acme',
      projectId: PROJECT,
      region: 'ap-southeast-1',
      iamEndpoint: `${server.url}/`,
    });
    const error = await failure(tokenOf(auth));
    expect(error).toBeInstanceOf(IamResponseError);
    expect(server.requests).toMatchObject([{ url: '/v3/auth/tokens' }]);
  });

  it('fetches again after a failed fetch', async () => {
    const h = await harness();
    h.faults.push(503, 503, 503);
    const auth = h.auth();
    await failure(tokenOf(auth));
    expect(h.iam.isValidToken(await tokenOf(auth))).toBe(true);
    expect(h.server.requests).toHaveLength(4);
  });

  it.each([
    ['ap-southeast-1', 'https://iam.ap-southeast-1.myhuaweicloud.com'],
    ['cn-north-4', 'https://iam.cn-north-4.myhuaweicloud.com'],
    ['eu-west-101', 'https://iam.eu-west-101.myhuaweicloud.eu'],
  ])('uses the public IAM endpoint of %s by default', async (region, endpoint) => {
    expect(iamEndpointFor(region)).toBe(endpoint);
    const urls: string[] = [];
    const offline: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response('{}', { status: 201, headers: { 'X-Subject-Token': 'tok' } });
    };
    const auth = createIamPasswordAuthenticator({
      username: 'u',
      password: 'p',
      domainName: 'd',
      projectId: PROJECT,
      region,
      fetch: offline,
    });
    expect(await tokenOf(auth)).toBe('tok');
    expect(urls).toEqual([`${endpoint}/v3/auth/tokens`]);
  });

  it.each([
    'https://iam.example.test',
    'https://iam.example.test/',
    'https://iam.example.test/v3',
    'https://iam.example.test/v3/auth/tokens',
    'https://iam.example.test/v3/auth/tokens/',
  ])('asks IAM at /v3/auth/tokens when HUAWEICLOUD_IAM_ENDPOINT is %s', async (iamEndpoint) => {
    const urls: string[] = [];
    const offline: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response('{}', { status: 201, headers: { 'X-Subject-Token': 'tok' } });
    };
    const auth = createIamPasswordAuthenticator({
      username: 'u',
      password: 'p',
      domainName: 'd',
      projectId: PROJECT,
      region: 'ap-southeast-1',
      iamEndpoint,
      fetch: offline,
    });
    expect(await tokenOf(auth)).toBe('tok');
    expect(urls).toEqual(['https://iam.example.test/v3/auth/tokens']);
  });

  it.each([
    [{ username: '' }, 'IAM password login needs username: set HUAWEICLOUD_USERNAME'],
    [{ password: '' }, 'IAM password login needs password: set HUAWEICLOUD_PASSWORD'],
    [{ domainName: ' ' }, 'IAM password login needs domainName: set HUAWEICLOUD_DOMAIN_NAME'],
    [
      { iamEndpoint: 'not a url' },
      'The IAM endpoint is not a URL: set HUAWEICLOUD_IAM_ENDPOINT to a base URL such as https://iam.ap-southeast-1.myhuaweicloud.com',
    ],
    [
      { iamEndpoint: 'http://iam.ap-southeast-1.myhuaweicloud.com' },
      'The IAM endpoint must be an https:// URL (plain http:// only to a loopback host such as 127.0.0.1, for local runs): set HUAWEICLOUD_IAM_ENDPOINT to a base URL such as https://iam.ap-southeast-1.myhuaweicloud.com',
    ],
    [
      { iamEndpoint: 'https://iam.example.test/?x=1' },
      'The IAM endpoint must not carry a query string: set HUAWEICLOUD_IAM_ENDPOINT to a base URL such as https://iam.ap-southeast-1.myhuaweicloud.com',
    ],
  ])('refuses configuration %o (finding 4 for the IAM endpoint)', (change, message) => {
    const options = {
      username: 'u',
      password: 'p',
      domainName: 'd',
      projectId: PROJECT,
      region: 'ap-southeast-1',
    };
    expect(() => createIamPasswordAuthenticator({ ...options, ...change })).toThrow(
      new AuthConfigError(message),
    );
  });
});

describe('finding 2: IAM answers are read through a byte cap', () => {
  it('throws IamResponseError for a success whose body passes the cap, reading no further', async () => {
    let sent: Promise<number> | undefined;
    server = await startHttpServer((_req, res) => {
      sent = streamEndlessBody(res, 201, {
        prefix: '{"token": {"expires_at": "2099-01-01T00:00:00Z", "catalog": ["',
        filler: 'x',
        headers: { 'x-subject-token': 'MIIZ-token' },
      });
    });
    const auth = createIamPasswordAuthenticator({
      username: 'watcher',
      password: PASSWORD,
      domainName: 'acme',
      projectId: PROJECT,
      region: 'ap-southeast-1',
      iamEndpoint: server.url,
    });
    const error = await failure(tokenOf(auth));
    expect(error).toBeInstanceOf(IamResponseError);
    expect(error.message).toContain(`a body within ${MAX_IAM_BODY_BYTES} bytes (reading stopped there)`);
    expect(await sent).toBeLessThan(256 * 1024 * 1024);
  });
});
