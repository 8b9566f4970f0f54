import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createIamHandler } from '../../../local/simulator/iam';
import type { Authenticator } from '../../../shared/auth/authenticator';
import { IamDeadlineError } from '../../../shared/auth/errors';
import { createIamPasswordAuthenticator } from '../../../shared/auth/iam-password';
import { createTokenAuthenticator } from '../../../shared/auth/token';
import {
  InvalidJobsClientOptionsError,
  InvalidJobsQueryError,
  JobsApiError,
  JobsDeadlineError,
  JobsNetworkError,
  JobsResponseTooLargeError,
  JobsThrottledError,
  JobsTimeoutError,
  JobsUnauthorizedError,
  MalformedJobsResponseError,
} from '../../../shared/jobs/errors';
import {
  createJobsClient,
  type JobsClientOptions,
  type JobsRequestInfo,
} from '../../../shared/jobs/http-client';
import { MAX_JOBS_PAGE_BYTES } from '../../../shared/read-body';
import { sendJson, startHttpServer, streamEndlessBody, type TestHttpServer } from '../../support/http-server';
import { BAD_QUERIES } from './bad-queries';
import { rawJob } from './raw-jobs';

const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const TOKEN = 'MIIZ-secret-token-value';
const PAGE = { total_count: 2, jobs: [rawJob(0), rawJob(1)] };

type Reply = (request: IncomingMessage, response: ServerResponse) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_request, response) =>
    sendJson(response, status, body, headers);
const text =
  (status: number, body: string, headers: Record<string, string> = {}): Reply =>
  (_request, response) => {
    response.writeHead(status, headers);
    response.end(body);
  };
const hang: Reply = () => {};
const stallBody: Reply = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"total_count": 2, "jobs": [');
};
const reset: Reply = (request) => {
  request.socket.destroy();
};

const servers: TestHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server answering the n-th request with the n-th reply (the last one repeats). */
async function serve(...replies: Reply[]): Promise<TestHttpServer> {
  let count = 0;
  const server = await startHttpServer((request, response) => {
    const reply = replies[Math.min(count, replies.length - 1)];
    count += 1;
    reply?.(request, response);
  });
  servers.push(server);
  return server;
}

function clientFor(server: TestHttpServer, overrides: Partial<JobsClientOptions> = {}) {
  const sleeps: number[] = [];
  const requests: JobsRequestInfo[] = [];
  const client = createJobsClient({
    endpoint: server.url,
    projectId: PROJECT,
    auth: createTokenAuthenticator(TOKEN),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onRequest: (info) => requests.push(info),
    ...overrides,
  });
  return { client, sleeps, requests };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function hostOf(server: TestHttpServer): string {
  return new URL(server.url).host;
}

describe('createJobsClient', () => {
  const base: JobsClientOptions = {
    endpoint: 'http://127.0.0.1:9',
    projectId: PROJECT,
    auth: createTokenAuthenticator(TOKEN),
  };

  it.each<[string, Partial<JobsClientOptions>, string]>([
    ['a non-URL endpoint', { endpoint: 'gaussdb-nosql' }, 'endpoint'],
    ['an ftp endpoint', { endpoint: 'ftp://example.test' }, 'endpoint'],
    ['an endpoint with a query', { endpoint: 'http://127.0.0.1:9/?x=1' }, 'endpoint'],
    ['zero attempts', { maxAttempts: 0 }, 'maxAttempts'],
    ['fractional attempts', { maxAttempts: 1.5 }, 'maxAttempts'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
    ['a negative base delay', { baseDelayMs: -1 }, 'baseDelayMs'],
  ])('rejects %s naming %s', (_label, overrides, option) => {
    expect(() => createJobsClient({ ...base, ...overrides })).toThrow(
      expect.objectContaining({ name: InvalidJobsClientOptionsError.name, option }),
    );
  });

  it.each([
    [
      'plain http to a remote host',
      'http://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com',
      'must be an https://',
    ],
    ['user info', 'https://user:pw@gaussdb.example.test', 'must not carry user info'],
    ['a fragment', 'https://gaussdb.example.test/#x', 'must not carry a fragment'],
  ])('finding 4: rejects an endpoint with %s, as the config check does', (_label, endpoint, problem) => {
    expect(() => createJobsClient({ ...base, endpoint })).toThrow(problem);
    expect(() => createJobsClient({ ...base, endpoint })).not.toThrow(/pw@/);
  });

  it.each(['', 'abc/def'])('rejects project id %j as the project_id path parameter', (projectId) => {
    expect(() => createJobsClient({ ...base, projectId })).toThrow(
      expect.objectContaining({ name: InvalidJobsQueryError.name, parameter: 'project_id' }),
    );
  });
});

describe('listJobs query validation', () => {
  it.each(BAD_QUERIES)(
    'rejects %s naming %s and sends nothing',
    async (_label, query, parameter, message) => {
      const server = await serve(json(200, PAGE));
      const { client } = clientFor(server);
      const error = await failure(client.listJobs(query));
      expect(error).toBeInstanceOf(InvalidJobsQueryError);
      expect(error).toMatchObject({ parameter, message });
      expect(server.requests).toHaveLength(0);
    },
  );
});

describe('listJobs requests', () => {
  it('sends GET /v3/{project_id}/jobs with UTC times encoded as %2B0000, JSON content type and the token', async () => {
    const server = await serve(json(200, PAGE));
    const { client } = clientFor(server);
    await client.listJobs({
      start_time: new Date('2023-09-12T14:44:01+08:00'),
      end_time: new Date('2023-09-13T00:00:00Z'),
      status: 'Running',
      offset: 50,
      limit: 50,
    });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe(
      `/v3/${PROJECT}/jobs?start_time=2023-09-12T06%3A44%3A01%2B0000&end_time=2023-09-13T00%3A00%3A00%2B0000` +
        '&status=Running&offset=50&limit=50',
    );
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-auth-token']).toBe(TOKEN);
  });

  it('keeps a path prefix of the endpoint', async () => {
    const server = await serve(json(200, PAGE));
    const { client } = clientFor(server, { endpoint: `${server.url}/geminidb/` });
    await client.listJobs({ limit: 10 });
    expect(server.requests[0]?.url).toBe(`/geminidb/v3/${PROJECT}/jobs?limit=10`);
  });

  it('returns the page normalised', async () => {
    const running = rawJob(0, {
      status: 'Running',
      progress: '60%',
      end_time: '',
      start_time: '2023-09-12T14:44:01+0800',
    });
    const server = await serve(json(200, { total_count: 7, jobs: [running] }));
    const { client, requests } = clientFor(server);
    await expect(client.listJobs({})).resolves.toEqual({
      total_count: 7,
      skipped: [],
      requests: 1,
      jobs: [
        {
          id: 'job-0000',
          name: 'BackupInstance',
          status: 'Running',
          start_time: '2023-09-12T06:44:01.000Z',
          end_time: null,
          progress: 60,
          instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
          fail_reason: null,
        },
      ],
    });
    expect(requests).toEqual([{ status: 200, attempt: 1, durationMs: expect.any(Number) }]);
  });

  it('asks the authenticator for headers on every attempt, with the URL it will send', async () => {
    const server = await serve(json(503, {}), json(200, PAGE));
    const seen: string[] = [];
    const auth: Authenticator = {
      kind: 'test',
      headersFor: async (request) => {
        seen.push(
          `${request.method} ${request.url.pathname}${request.url.search} ${request.headers['content-type']}`,
        );
        return { 'X-Auth-Token': `token-${seen.length}` };
      },
    };
    const { client } = clientFor(server, { auth });
    await client.listJobs({ limit: 10 });
    expect(seen).toEqual([
      `GET /v3/${PROJECT}/jobs?limit=10 application/json`,
      `GET /v3/${PROJECT}/jobs?limit=10 application/json`,
    ]);
    expect(server.requests.map((request) => request.headers['x-auth-token'])).toEqual(['token-1', 'token-2']);
  });
});

describe('listJobs malformed answers', () => {
  const html = `<!DOCTYPE html><html><head><title>502</title></head><body>${'Bad gateway '.repeat(40)}</body></html>`;

  it.each<[string, string, string]>([
    ['an HTML page', html, 'body is not JSON but markup starting "<!DOCTYPE html>'],
    ['truncated JSON', JSON.stringify(PAGE).slice(0, 60), 'body is not valid JSON ('],
    [
      'wrong types',
      JSON.stringify({ total_count: '2', jobs: [] }),
      'total_count: expected an integer >= 0, got "2"',
    ],
    [
      'jobs that are not an array',
      JSON.stringify({ total_count: 1, jobs: 'none' }),
      'jobs: expected an array',
    ],
  ])('throws MalformedJobsResponseError for %s after every attempt', async (_label, body, problem) => {
    const server = await serve(text(200, body, { 'content-type': 'application/json' }));
    const { client, sleeps } = clientFor(server, { maxAttempts: 2 });
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(MalformedJobsResponseError);
    expect(error).toMatchObject({ status: 200, attempts: 2, bodySnippet: body.slice(0, 200) });
    expect((error as MalformedJobsResponseError).problem).toContain(problem);
    expect(error.message).toContain(
      `GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: HTTP 200 with a malformed body (2 attempts): ${problem}`,
    );
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([250]);
  });

  it('leaves out a record that does not fit, in one attempt, and names it', async () => {
    const body = JSON.stringify({
      total_count: 4,
      jobs: [rawJob(0), rawJob(1), rawJob(2), rawJob(3, { start_time: 'yesterday' })],
    });
    const server = await serve(text(200, body, { 'content-type': 'application/json' }));
    const { client } = clientFor(server, { maxAttempts: 2 });
    const page = await client.listJobs({});
    expect(page.jobs).toHaveLength(3);
    expect(page.skipped).toEqual([
      {
        jobId: rawJob(3).id,
        field: 'start_time',
        problem: 'expected a time like 2023-09-12T06:44:01+0000, got "yesterday"',
      },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the token out of the error when a proxy page echoes the request headers', async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html><pre>X-Auth-Token: ${String(request.headers['x-auth-token'])}</pre></html>`);
    });
    const { client } = clientFor(server, { maxAttempts: 1 });
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(MalformedJobsResponseError);
    expect((error as MalformedJobsResponseError).bodySnippet).toBe(
      '<html><pre>X-Auth-Token: [redacted]</pre></html>',
    );
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain('(body starts: "<html><pre>X-Auth-Token: [redacted]</pre></html>")');
  });

  it('quotes the start of the body in the message, on one line and cut short', async () => {
    const page = `<html>\n<body>\u001b[2J${'Bad gateway '.repeat(40)}</body></html>`;
    const server = await serve(text(200, page, { 'content-type': 'text/html' }));
    const { client } = clientFor(server, { maxAttempts: 1 });
    const error = await failure(client.listJobs({}));
    expect(error.message).toMatch(/\(body starts: "<html> <body> \[2JBad gateway [A-Za-z ]+\.\.\."\)$/);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(String.fromCharCode(27));
    expect(error.message).not.toContain('see bodySnippet');
  });

  it('retries a cut-off body and returns the page that follows', async () => {
    const server = await serve(text(200, JSON.stringify(PAGE).slice(0, 30)), json(200, PAGE));
    const { client, requests } = clientFor(server);
    await expect(client.listJobs({})).resolves.toMatchObject({ total_count: 2 });
    expect(requests.map((info) => [info.status, info.error?.split(' (')[0]])).toEqual([
      [200, 'malformed body: body is not valid JSON'],
      [200, undefined],
    ]);
  });
});

describe('listJobs HTTP errors', () => {
  it('maps 400 DBS.200001 to JobsApiError without retrying', async () => {
    const server = await serve(
      json(400, { error_code: 'DBS.200001', error_msg: 'Parameter error' }, { 'x-request-id': 'req-42' }),
    );
    const { client, sleeps } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({
      status: 400,
      errorCode: 'DBS.200001',
      errorMsg: 'Parameter error',
      requestId: 'req-42',
      attempts: 1,
      message: `GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: HTTP 400 DBS.200001 "Parameter error" (request id req-42, 1 attempt); check the query parameters against the API doc`,
    });
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry a 404 and says to check the endpoint and project', async () => {
    const server = await serve(json(404, { error_code: 'APIG.0101', error_msg: 'The API does not exist' }));
    const { client } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toMatchObject({ status: 404, errorCode: 'APIG.0101' });
    expect(error.message).toMatch(/check the endpoint region and the project id$/);
    expect(server.requests).toHaveLength(1);
  });

  it('reads a gateway error nested under "error" and a request id from the body', async () => {
    const server = await serve(
      json(403, { error: { code: 'APIG.0302', message: 'not allowed' }, request_id: 'r-9' }),
    );
    const { client } = clientFor(server);
    await expect(client.listJobs({})).rejects.toMatchObject({
      status: 403,
      errorCode: 'APIG.0302',
      errorMsg: 'not allowed',
      requestId: 'r-9',
    });
  });

  it('maps 401 APIG.0301 to JobsUnauthorizedError at once when the credentials cannot be renewed', async () => {
    const server = await serve(
      json(401, { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information' }),
    );
    const { client, sleeps } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsUnauthorizedError);
    expect(error).toMatchObject({ status: 401, errorCode: 'APIG.0301', attempts: 1 });
    expect(error.message).toBe(
      `GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: HTTP 401 APIG.0301 "Incorrect IAM authentication information" (1 attempt); renew the token or check the AK/SK (and the clock, for signatures)`,
    );
    expect(error.message).not.toContain(TOKEN);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  describe('with an authenticator that can renew', () => {
    function renewing(renews: boolean) {
      let generation = 1;
      let invalidations = 0;
      const auth: Authenticator = {
        kind: 'iam-password',
        headersFor: async () => ({ 'X-Auth-Token': `token-${generation}` }),
        invalidate: async () => {
          invalidations += 1;
          if (renews) generation += 1;
          return renews;
        },
      };
      return { auth, invalidations: () => invalidations };
    }
    const unauthorized = json(401, { error_code: 'APIG.0301', error_msg: 'expired' });

    it('retries once with fresh credentials after a 401', async () => {
      const server = await serve(unauthorized, json(200, PAGE));
      const { auth, invalidations } = renewing(true);
      const { client, sleeps } = clientFor(server, { auth });
      await expect(client.listJobs({})).resolves.toMatchObject({ total_count: 2 });
      expect(server.requests.map((request) => request.headers['x-auth-token'])).toEqual([
        'token-1',
        'token-2',
      ]);
      expect(invalidations()).toBe(1);
      expect(sleeps).toEqual([]);
    });

    it('gives up with JobsUnauthorizedError when the fresh credentials are refused too', async () => {
      const server = await serve(unauthorized);
      const { auth, invalidations } = renewing(true);
      const { client } = clientFor(server, { auth });
      await expect(client.listJobs({})).rejects.toMatchObject({ name: 'JobsUnauthorizedError', attempts: 2 });
      expect(server.requests).toHaveLength(2);
      expect(invalidations()).toBe(1);
    });

    it('does not retry when invalidate says a retry cannot succeed', async () => {
      const server = await serve(unauthorized, json(200, PAGE));
      const { auth, invalidations } = renewing(false);
      const { client } = clientFor(server, { auth });
      await expect(client.listJobs({})).rejects.toBeInstanceOf(JobsUnauthorizedError);
      expect(server.requests).toHaveLength(1);
      expect(invalidations()).toBe(1);
    });
  });

  const throttled = (headers: Record<string, string> = {}) =>
    json(429, { error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' }, headers);

  it('retries 429 APIG.0308 after a jittered backoff and returns the page', async () => {
    const server = await serve(throttled(), json(200, PAGE));
    const { client, sleeps, requests } = clientFor(server);
    await expect(client.listJobs({})).resolves.toMatchObject({ total_count: 2 });
    expect(sleeps).toEqual([250]);
    expect(requests.map((info) => [info.status, info.attempt, info.error])).toEqual([
      [429, 1, 'HTTP 429 APIG.0308'],
      [200, 2, undefined],
    ]);
  });

  it.each<[string, string, number]>([
    ['seconds', '3', 3_000],
    ['an HTTP date', 'Tue, 12 Sep 2023 06:44:06 GMT', 5_000],
    ['more than the 30 s cap', '600', 30_000],
  ])('honours Retry-After in %s', async (_label, retryAfter, expectedMs) => {
    const server = await serve(throttled({ 'retry-after': retryAfter }), json(200, PAGE));
    const { client, sleeps } = clientFor(server, { now: () => Date.parse('2023-09-12T06:44:01Z') });
    await client.listJobs({});
    expect(sleeps).toEqual([expectedMs]);
  });

  it('throws JobsThrottledError when every attempt is throttled', async () => {
    const server = await serve(throttled({ 'retry-after': '2' }));
    const { client, sleeps } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsThrottledError);
    expect(error).toMatchObject({ status: 429, errorCode: 'APIG.0308', attempts: 4, retryAfterMs: 2_000 });
    expect(error.message).toContain(`project ${PROJECT}: HTTP 429 APIG.0308`);
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([2_000, 2_000, 2_000]);
  });

  it('retries 503 with exponential backoff, then gives up naming the status', async () => {
    const server = await serve(json(503, { error_code: 'DBS.108', error_msg: 'Service unavailable' }));
    const { client, sleeps } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 503, errorCode: 'DBS.108', attempts: 4 });
    expect(error.message).toBe(
      `GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: HTTP 503 DBS.108 "Service unavailable" (4 attempts); the service is failing; try again later`,
    );
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([250, 500, 1_000]);
  });

  it('keeps the backoff under maxDelayMs', async () => {
    const server = await serve(text(502, '<html>bad gateway</html>'));
    const { client, sleeps } = clientFor(server, { maxAttempts: 5, maxDelayMs: 600, random: () => 0.999 });
    await expect(client.listJobs({})).rejects.toMatchObject({
      status: 502,
      errorCode: undefined,
      attempts: 5,
    });
    expect(sleeps).toEqual([499, 599, 599, 599]);
  });

  it('does not follow a redirect, so the token never reaches another host', async () => {
    const elsewhere = await serve(json(200, PAGE));
    const server = await serve(text(302, '', { location: `${elsewhere.url}/v3/${PROJECT}/jobs` }));
    const { client } = clientFor(server);
    await expect(client.listJobs({})).rejects.toMatchObject({
      name: 'JobsApiError',
      status: 302,
      attempts: 1,
    });
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('listJobs timeouts and network failures', () => {
  it('throws JobsTimeoutError when the server never answers within timeoutMs', async () => {
    const server = await serve(hang);
    const { client, sleeps, requests } = clientFor(server, { timeoutMs: 50, maxAttempts: 2 });
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsTimeoutError);
    expect(error).toMatchObject({ status: null, timeoutMs: 50, attempts: 2 });
    expect(error.message).toBe(
      `GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: no HTTP status, no answer within 50 ms (2 attempts); check that the endpoint is reachable or raise timeoutMs`,
    );
    // Counted on the client side: on a loaded machine a request may time out before the server parses it.
    expect(sleeps).toEqual([250]);
    expect(requests.map((info) => [info.status, info.error])).toEqual([
      [null, 'timeout after 50 ms'],
      [null, 'timeout after 50 ms'],
    ]);
  });

  it('times out a body that stops half way, then succeeds on the retry', async () => {
    // Injected attempt timers: the first fires once half the body is on the wire, the retry's
    // never does, so the outcome does not depend on how fast the machine is.
    const timeouts: (() => void)[] = [];
    const server = await serve(
      (request, response) => {
        stallBody(request, response);
        response.write(' ', () => timeouts.at(-1)?.());
      },
      json(200, PAGE),
    );
    const { client, requests } = clientFor(server, {
      startTimer: (onTimeout) => {
        timeouts.push(onTimeout);
        return () => {};
      },
    });
    await expect(client.listJobs({})).resolves.toMatchObject({ total_count: 2 });
    expect(server.requests).toHaveLength(2);
    expect(requests.map((info) => info.error ?? 'page')).toEqual(['timeout after 10000 ms', 'page']);
  });

  it('retries after a connection reset', async () => {
    const server = await serve(reset, json(200, PAGE));
    const { client, requests } = clientFor(server);
    await expect(client.listJobs({})).resolves.toMatchObject({ total_count: 2 });
    expect(server.requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      status: null,
      attempt: 1,
      error: expect.stringMatching(/^network error /),
    });
  });

  it('throws JobsNetworkError with the cause when every connection is reset', async () => {
    const server = await serve(reset);
    const { client } = clientFor(server, { maxAttempts: 3 });
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsNetworkError);
    expect(error).toMatchObject({ status: null, attempts: 3 });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toMatch(
      new RegExp(
        `^GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: no HTTP status, network error .*\\(3 attempts\\)`,
      ),
    );
    expect(server.requests).toHaveLength(3);
  });
});

describe('scanJobs with an IAM token revoked mid-scan', () => {
  it('fetches one fresh token and finishes the scan, however young the refused token was', async () => {
    const iam = createIamHandler({ users: [{ name: 'watcher', password: 'pw', domainName: 'acme' }] });
    let revokeAfterFirstPage = true;
    const jobs = Array.from({ length: 25 }, (_, index) => rawJob(index));
    const server = await startHttpServer(async (request, response) => {
      if (await iam.handle(request, response)) return;
      const token = String(request.headers['x-auth-token'] ?? '');
      if (!iam.isValidToken(token)) {
        sendJson(response, 401, {
          error_code: 'APIG.0301',
          error_msg: 'Incorrect IAM authentication information',
        });
        return;
      }
      const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
      const offset = Number(params.get('offset') ?? '0');
      sendJson(response, 200, { total_count: jobs.length, jobs: jobs.slice(offset, offset + 10) });
      // The token is revoked a moment after it was issued, while the scan pages on.
      if (revokeAfterFirstPage) {
        revokeAfterFirstPage = false;
        iam.revoke(token);
      }
    });
    servers.push(server);
    const auth = createIamPasswordAuthenticator({
      username: 'watcher',
      password: 'pw',
      domainName: 'acme',
      projectId: PROJECT,
      region: 'ap-southeast-1',
      iamEndpoint: server.url,
    });
    const client = createJobsClient({
      endpoint: server.url,
      projectId: PROJECT,
      auth,
      sleep: async () => {},
    });
    const scan = await client.scanJobs({
      start: new Date('2023-09-01T00:00:00Z'),
      end: new Date('2023-09-30T00:00:00Z'),
      pageSize: 10,
    });
    expect(scan.jobs).toHaveLength(25);
    expect(scan.requests).toBe(4);
    expect(iam.issued).toBe(2);
  });
});

describe('listJobs with a time budget', () => {
  it('starts no retry that would wait past the budget, and says what failed', async () => {
    const server = await serve(
      json(503, { error_code: 'DBS.200003', error_msg: 'busy' }, { 'retry-after': '20' }),
    );
    const { client, sleeps } = clientFor(server, { maxAttempts: 4 });
    const error = await failure(client.listJobs({}, { budgetMs: 5_000 }));
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('ends an attempt at the budget and names the deadline', async () => {
    // The server never answers: only the budget (not the 10 s timeout) can end the attempt, and the
    // message says which did, so no wall-clock measure is needed.
    const server = await serve(hang);
    const { client } = clientFor(server, { timeoutMs: 10_000 });
    const error = await failure(client.listJobs({}, { budgetMs: 200 }));
    expect(error).toBeInstanceOf(JobsDeadlineError);
    expect(error.message).toMatch(
      /stopped at the invocation's deadline \(1 attempt; last attempt: timeout after 200 ms\)/,
    );
  });

  it('gives the authenticator what is left of the budget on every attempt', async () => {
    let clockMs = 0;
    const server = await serve(
      (_request, response) => {
        clockMs += 700;
        sendJson(response, 503, {});
      },
      json(200, PAGE),
    );
    const budgets: (number | undefined)[] = [];
    const auth: Authenticator = {
      kind: 'test',
      headersFor: async (request) => {
        budgets.push(request.budgetMs);
        return { 'X-Auth-Token': TOKEN };
      },
    };
    const { client } = clientFor(server, { auth, now: () => clockMs });
    await client.listJobs({}, { budgetMs: 5_000 });
    expect(budgets).toEqual([5_000, 4_300]);
    await client.listJobs({});
    expect(budgets.at(-1)).toBeUndefined();
  });

  it('holds an IAM login that hangs to the budget, not to its own 10 s timeout', async () => {
    const hungIam = await startHttpServer(hang);
    servers.push(hungIam);
    const server = await serve(json(200, PAGE));
    const auth = createIamPasswordAuthenticator({
      username: 'watcher',
      password: 'pw',
      domainName: 'acme',
      projectId: PROJECT,
      region: 'ap-southeast-1',
      iamEndpoint: hungIam.url,
    });
    const { client } = clientFor(server, { auth });
    const error = await failure(client.listJobs({}, { budgetMs: 300 }));
    expect(error).toBeInstanceOf(IamDeadlineError);
    expect(error.message).toMatch(/issued no token within the time the invocation had left \(1 attempt\)/);
    expect(hungIam.requests).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
  });

  it('sends nothing when the budget is already spent', async () => {
    const server = await serve(json(200, PAGE));
    const { client } = clientFor(server);
    await expect(client.listJobs({}, { budgetMs: 0 })).rejects.toBeInstanceOf(JobsDeadlineError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('scanJobs with a time budget', () => {
  it('holds the whole scan to the budget, not each page to a budget of its own', async () => {
    // Each page takes 400 ms of the client's clock; four pages do not fit 1 000 ms.
    let clockMs = 0;
    const jobs = Array.from({ length: 40 }, (_, index) => rawJob(index));
    const server = await serve((request, response) => {
      clockMs += 400;
      const offset = Number(new URL(request.url ?? '', 'http://x').searchParams.get('offset') ?? 0);
      sendJson(response, 200, { total_count: jobs.length, jobs: jobs.slice(offset, offset + 10) });
    });
    const { client } = clientFor(server, { now: () => clockMs });
    const window = { start: new Date('2023-09-01T00:00:00Z'), end: new Date('2023-09-30T00:00:00Z') };
    const error = await failure(client.scanJobs({ ...window, pageSize: 10 }, { budgetMs: 1_000 }));
    expect(error).toBeInstanceOf(JobsDeadlineError);
    expect(server.requests).toHaveLength(3);
  });
});

describe('finding 1: a network error never carries a credential', () => {
  const SECRET_TOKEN = 'gQpjbi1ub3J0aC00STS-secret-part\nsecond-secret-line';
  /** An authenticator that hands out a header Node's fetch refuses, as a pasted token would. */
  const brokenAuth: Authenticator = {
    kind: 'token',
    headersFor: async () => ({ 'X-Auth-Token': SECRET_TOKEN }),
  };

  it('redacts the header value from the message and every cause when fetch refuses the header', async () => {
    const server = await serve(json(200, PAGE));
    const { client } = clientFor(server, { auth: brokenAuth, maxAttempts: 1 });
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsNetworkError);
    const texts: string[] = [];
    for (let current: unknown = error; current instanceof Error; current = current.cause) {
      texts.push(current.message, String(current.stack));
    }
    const all = texts.join('\n');
    expect(all).toContain('[redacted]');
    for (const piece of ['gQpjbi1ub3J0aC00STS', 'second-secret-line', 'secret-part']) {
      expect(all).not.toContain(piece);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('finding 2: a jobs page is read through a byte cap', () => {
  it('throws JobsResponseTooLargeError, not retried, for a 200 whose body passes the cap', async () => {
    // A valid page padded past the cap: read whole, it would parse.
    const padded = `{"total_count": 0, "jobs": []${' '.repeat(MAX_JOBS_PAGE_BYTES)}}`;
    const server = await serve(text(200, padded, { 'content-type': 'application/json' }));
    const { client, requests } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsResponseTooLargeError);
    expect(error.message).toBe(
      `GeminiDB jobs API ${hostOf(server)}, project ${PROJECT}: HTTP 200 with a body larger than ${MAX_JOBS_PAGE_BYTES} bytes, not read further (1 attempt); check that the endpoint is a GeminiDB jobs API and not a proxy or another service`,
    );
    expect(requests.map((info) => info.error)).toEqual([`body larger than ${MAX_JOBS_PAGE_BYTES} bytes`]);
  });

  it('stops reading an endless 200 body at the cap', async () => {
    let sent: Promise<number> | undefined;
    const server = await serve((_request, response) => {
      sent = streamEndlessBody(response, 200, { prefix: '{"total_count": 0, "jobs": [' });
    });
    const { client } = clientFor(server);
    await expect(client.listJobs({})).rejects.toBeInstanceOf(JobsResponseTooLargeError);
    expect(await sent).toBeLessThan(256 * 1024 * 1024);
  });

  it('reads only the start of a huge error body and still names the status', async () => {
    let sent: Promise<number> | undefined;
    const server = await serve((_request, response) => {
      sent = streamEndlessBody(response, 403, { prefix: '{"error_code": "DBS.0001", "error_msg": "no"' });
    });
    const { client } = clientFor(server);
    const error = await failure(client.listJobs({}));
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error.message).toContain('HTTP 403');
    expect(await sent).toBeLessThan(256 * 1024 * 1024);
  });
});
