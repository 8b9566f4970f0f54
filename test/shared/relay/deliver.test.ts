import { afterEach, describe, expect, it } from 'vitest';
import {
  DeliveryError,
  type DeliveryOptions,
  type DeliveryRequest,
  DestinationHttpError,
  DestinationUnreachableError,
  deliver,
  isRetryableStatus,
  redact,
} from '../../../shared/relay/deliver';
import { startHttpServer, streamEndlessBody, type TestHttpServer } from '../../support/http-server';
import { type Receiver, startSlackReceiver } from './receivers';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function request(url: string, seen: number[] = []): DeliveryRequest {
  return {
    destination: 'ops-slack',
    url,
    body: JSON.stringify({ text: 'hello' }),
    headers: (attempt) => {
      seen.push(attempt);
      return { 'content-type': 'application/json', 'x-attempt': String(attempt) };
    },
  };
}

function options(sleeps: number[], extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return {
    timeoutMs: 2_000,
    maxAttempts: 4,
    baseDelayMs: 400,
    maxDelayMs: 5_000,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('deliver', () => {
  it('posts the body once when the destination accepts it', async () => {
    receiver = await startSlackReceiver();
    const sleeps: number[] = [];
    const attempts: number[] = [];
    await expect(deliver(request(receiver.url, attempts), options(sleeps))).resolves.toEqual({
      status: 200,
      attempts: 1,
    });
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]?.body).toBe('{"text":"hello"}');
    expect(attempts).toEqual([1]);
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx answers with exponential backoff and jitter, building headers per attempt', async () => {
    receiver = await startSlackReceiver();
    receiver.script({ status: 500, body: 'internal' }, { status: 502 }, { status: 503 });
    const sleeps: number[] = [];
    await expect(deliver(request(receiver.url), options(sleeps))).resolves.toEqual({
      status: 200,
      attempts: 4,
    });
    expect(sleeps).toEqual([200, 400, 800]);
    expect(receiver.all.map((received) => received.headers['x-attempt'])).toEqual(['1', '2', '3', '4']);
  });

  it('waits as long as Retry-After asks on a 429, up to the longest wait', async () => {
    receiver = await startSlackReceiver();
    receiver.script(
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': '600' } },
    );
    const sleeps: number[] = [];
    await expect(deliver(request(receiver.url), options(sleeps))).resolves.toMatchObject({ attempts: 3 });
    expect(sleeps).toEqual([2_000, 5_000]);
  });

  it('gives up after the last attempt with the last status', async () => {
    receiver = await startSlackReceiver();
    receiver.script(...Array.from({ length: 4 }, () => ({ status: 503, body: 'maintenance' })));
    const error = await failure(deliver(request(receiver.url), options([])));
    expect(error).toBeInstanceOf(DestinationHttpError);
    expect(error).toMatchObject({ status: 503, attempts: 4, retryable: true, destination: 'ops-slack' });
    expect(error.message).toBe('destination "ops-slack": HTTP 503 (maintenance), after 4 attempts');
  });

  it.each([
    [
      400,
      'invalid_payload',
      /HTTP 400 \(invalid_payload\), not retried: the destination refused the message/,
    ],
    [404, 'no_service', /HTTP 404 \(no_service\), not retried: check the URL in the relay secret/],
    [403, 'invalid_token', /HTTP 403 .*check the URL/],
  ])('does not retry a %s and says why', async (status, body, message) => {
    receiver = await startSlackReceiver();
    receiver.script({ status, body });
    const error = await failure(deliver(request(receiver.url), options([])));
    expect(error).toMatchObject({ status, attempts: 1, retryable: false });
    expect(error.message).toMatch(message);
    expect(receiver.all).toHaveLength(1);
  });

  it('does not follow a redirect', async () => {
    receiver = await startSlackReceiver();
    const elsewhere = await startHttpServer((_request, response) => void response.end('ok'));
    try {
      receiver.script({ status: 302, headers: { location: `${elsewhere.url}/steal` } });
      const error = await failure(deliver(request(receiver.url), options([])));
      expect(error.message).toMatch(/HTTP 302, a redirect, not followed/);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('retries a dropped connection and then delivers', async () => {
    receiver = await startSlackReceiver();
    receiver.script({ status: 0, reset: true });
    await expect(deliver(request(receiver.url), options([]))).resolves.toEqual({ status: 200, attempts: 2 });
  });

  it('reports an unreachable destination without its URL', async () => {
    receiver = await startSlackReceiver();
    const { url } = receiver;
    await receiver.close();
    receiver = undefined;
    const error = await failure(deliver(request(url), options([], { maxAttempts: 2 })));
    expect(error).toBeInstanceOf(DestinationUnreachableError);
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/^destination "ops-slack": unreachable after 2 attempts \(fetch failed/);
    expect(`${error.message} ${String((error.cause as Error | undefined)?.message)}`).not.toContain(
      '/services/',
    );
  });

  it('times out an attempt that gets no answer', async () => {
    receiver = await startSlackReceiver();
    receiver.script({ status: 0, hang: true });
    const error = await failure(
      deliver(request(receiver.url), options([], { timeoutMs: 100, maxAttempts: 1 })),
    );
    expect(error.message).toBe(
      'destination "ops-slack": unreachable after 1 attempt (no answer within 100 ms)',
    );
  });

  it('stops retrying when the next attempt would end past the deadline', async () => {
    receiver = await startSlackReceiver();
    receiver.script({ status: 500 }, { status: 500 });
    const nowMs = 1_000_000;
    const error = await failure(
      deliver(
        request(receiver.url),
        options([], { now: () => nowMs, timeoutMs: 1_000, deadlineMs: nowMs + 1_100 }),
      ),
    );
    expect(error).toMatchObject({ attempts: 1, status: 500 });
    expect(error.message).toMatch(/stopped retrying: the invocation was about to time out$/);
    expect(receiver.all).toHaveLength(1);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [302, false],
  ])('%s: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('redact', () => {
  it('replaces the URL and its secret path wherever they appear', () => {
    const url = 'https://hooks.slack.com/services/T0/B0/secret?x=1';
    expect(redact(`Failed to parse URL from ${url}; path /services/T0/B0/secret?x=1`, url)).toBe(
      'Failed to parse URL from <url>; path <url>',
    );
  });

  it('leaves text alone that does not mention it', () => {
    expect(redact('connect ECONNREFUSED 127.0.0.1:9', 'http://127.0.0.1:9/hook')).toBe(
      'connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});

describe('finding 2: a destination answer is read through a byte cap', () => {
  const servers: TestHttpServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function endless(status: number): Promise<{ url: string; sent: () => Promise<number> }> {
    let sent: Promise<number> = Promise.resolve(0);
    const server = await startHttpServer((_req, res) => {
      sent = streamEndlessBody(res, status, {
        prefix: 'ok',
        filler: 'x',
        headers: { 'content-type': 'text/plain' },
      });
    });
    servers.push(server);
    return { url: `${server.url}/hook`, sent: () => sent };
  }

  it('takes a 2xx at once and drops its endless answer unread', async () => {
    const destination = await endless(200);
    // An answer read whole would run into the 30 s timeout; dropped, it is accepted at once.
    await expect(
      deliver(request(destination.url), options([], { timeoutMs: 30_000, maxAttempts: 1 })),
    ).resolves.toEqual({ status: 200, attempts: 1 });
    expect(await destination.sent()).toBeLessThan(256 * 1024 * 1024);
  });

  it('reads only the start of an endless error answer and names the status', async () => {
    const destination = await endless(400);
    const error = await failure(
      deliver(request(destination.url), options([], { timeoutMs: 30_000, maxAttempts: 1 })),
    );
    expect(error).toMatchObject({ status: 400, attempts: 1 });
    expect(error.message).toMatch(/^destination "ops-slack": HTTP 400 \(okx{198}\.\.\.\), not retried/);
    expect(await destination.sent()).toBeLessThan(256 * 1024 * 1024);
  });
});

describe('finding 10: redact finds the destination URL in every form an answer may echo', () => {
  const SLACK = 'https://hooks.slack.com/services/T0000SECRET/B0000SECRET/XXXXsecretXXXXtoken';
  const TEAMS =
    'https://prod-01.westeurope.logic.azure.com:443/workflows/abcdef0123456789/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE0123456789';

  it.each([
    ['JSON-escaped slashes', JSON.stringify(SLACK).replaceAll('/', '\\/')],
    ['\\u002f-escaped slashes', SLACK.replaceAll('/', '\\u002f')],
    ['URL-encoded', encodeURIComponent(SLACK)],
    ['URL-encoded in lower case', encodeURIComponent(SLACK).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['only the token', 'invalid token XXXXsecretXXXXtoken'],
  ])('hides a Slack URL echoed %s', (_label, answer) => {
    const shown = redact(`{"error": ${JSON.stringify(answer)}}`, SLACK);
    for (const secret of ['T0000SECRET', 'B0000SECRET', 'XXXXsecretXXXXtoken'])
      expect(shown).not.toContain(secret);
  });

  it('hides a Teams signature echoed URL-decoded or alone', () => {
    const decoded = redact(`bad url ${decodeURIComponent(TEAMS)}`, TEAMS);
    const alone = redact('{"message": "sig SiGnAtUrE0123456789 expired"}', TEAMS);
    for (const shown of [decoded, alone]) expect(shown).not.toContain('SiGnAtUrE0123456789');
    expect(decoded).not.toContain('abcdef0123456789');
  });

  it('says why a refused delivery failed without the URL, even when the answer echoes it escaped', async () => {
    const server = await startHttpServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: 'no_service', url: `http://${req.headers.host}${req.url}` }).replaceAll(
          '/',
          '\\/',
        ),
      );
    });
    try {
      const url = `${server.url}/services/T0000SECRET/B0000SECRET/XXXXsecretXXXXtoken`;
      const error = await failure(deliver(request(url), options([], { maxAttempts: 1 })));
      expect(error.message).toContain('no_service');
      for (const secret of ['T0000SECRET', 'B0000SECRET', 'XXXXsecretXXXXtoken']) {
        expect(error.message).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
  });
});
