import type { Authenticator } from '../auth/authenticator';
import { MAX_JOBS_PAGE_BYTES, readBodyCapped } from '../read-body';
import { serviceUrlProblem } from '../service-url';
import {
  InvalidJobsClientOptionsError,
  JobsApiError,
  type JobsCallSite,
  JobsDeadlineError,
  JobsNetworkError,
  JobsResponseTooLargeError,
  JobsThrottledError,
  JobsTimeoutError,
  JobsUnauthorizedError,
  MalformedJobsResponseError,
} from './errors';
import type { JobsApi, JobsCallOptions, JobsPage, JobsQuery } from './jobs-client';
import { buildJobsUrl, validateJobsQuery, validateProjectId } from './query';
import { parseJobsBody } from './response';
import { backoffDelayMs, retryAfterMs } from './retry';
import { scanAllPages } from './scan';

/** What `onRequest` hears after each HTTP attempt: for metrics and logs, never credentials. */
export interface JobsRequestInfo {
  /** HTTP status, or null when there was none (timeout, network error). */
  readonly status: number | null;
  /** 1-based attempt number within one call. */
  readonly attempt: number;
  readonly durationMs: number;
  /** Why the attempt did not produce a page, when it did not. */
  readonly error?: string;
}

/** Options of {@link createJobsClient}. */
export interface JobsClientOptions {
  /** Base URL, e.g. `https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com` (see `targetEndpoint`). */
  readonly endpoint: string;
  readonly projectId: string;
  readonly auth: Authenticator;
  /** Per attempt, headers and body included. Default 10 000. */
  readonly timeoutMs?: number;
  /** Attempts per call for retryable failures (429, 5xx, network, timeout, malformed 200). Default 4. */
  readonly maxAttempts?: number;
  /** Backoff base. Default 500. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling (a `Retry-After` may ask for up to 30 s). Default 8 000. */
  readonly maxDelayMs?: number;
  /** Injected for tests; real `setTimeout` by default. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Starts an attempt's timeout: calls `onTimeout` after `ms` unless the returned function cancels
   * it first. Injected for tests, so whether an attempt times out never depends on machine speed;
   * real `setTimeout` by default.
   */
  readonly startTimer?: (onTimeout: () => void, ms: number) => () => void;
  /** Injected for tests; `Math.random` by default. */
  readonly random?: () => number;
  /** Injected clock (epoch ms) for `Retry-After` dates; `Date.now` by default. */
  readonly now?: () => number;
  /** Injected for tests; global `fetch` by default. */
  readonly fetch?: typeof fetch;
  /** Called after every attempt (for metrics/logs); must not throw. */
  readonly onRequest?: (info: JobsRequestInfo) => void;
}

const DEFAULTS = { timeoutMs: 10_000, maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 } as const;

type Attempt =
  | { readonly kind: 'page'; readonly status: number; readonly page: JobsPage }
  | { readonly kind: 'malformed'; readonly status: number; readonly body: string; readonly problem: string }
  | { readonly kind: 'http'; readonly status: number; readonly headers: Headers; readonly body: string }
  | { readonly kind: 'too-large'; readonly status: number; readonly maxBytes: number }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  | { readonly kind: 'network'; readonly error: unknown };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const realTimer = (onTimeout: () => void, ms: number) => {
  const timer = setTimeout(onTimeout, ms);
  return () => clearTimeout(timer);
};

function checkNumber(option: string, value: number, min: number, integer = false): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new InvalidJobsClientOptionsError(
      option,
      `expected ${integer ? 'an integer' : 'a number'} >= ${min}, got ${value}`,
      `pass a ${integer ? 'whole ' : ''}number of at least ${min} or leave it out`,
    );
  }
  return value;
}

function parseEndpoint(endpoint: string): URL {
  const problem = serviceUrlProblem(endpoint);
  if (problem !== undefined) {
    throw new InvalidJobsClientOptionsError(
      'endpoint',
      `${describeUrl(endpoint)} ${problem}`,
      'pass a base URL such as https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com',
    );
  }
  return new URL(endpoint);
}

/** A URL for an error message: scheme and host only, so user info or a query never reaches a log. */
function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}`;
  } catch {
    return JSON.stringify(value.slice(0, 80));
  }
}

const MIN_REDACTED_CHARS = 8;

/**
 * The forms a header value can take in an error text: as sent, JSON-escaped (Node quotes an invalid
 * header value with `JSON.stringify`), and each piece between control characters.
 */
function secretForms(value: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a line break is where a value splits
  const pieces = value.split(/[\u0000-\u001f\u007f]+/);
  return [value, JSON.stringify(value).slice(1, -1), ...pieces].filter(
    (form) => form.length >= MIN_REDACTED_CHARS,
  );
}

/** `text` with every credential-looking header value (long enough to be one) replaced, in each of its forms. */
function redact(text: string, headers: Readonly<Record<string, string>>): string {
  let result = text;
  for (const value of Object.values(headers)) {
    for (const form of secretForms(value)) result = result.split(form).join('[redacted]');
  }
  return result;
}

/**
 * A copy of a fetch failure whose message (and its cause's) has the credentials redacted: the raw
 * error of an invalid header quotes the header, and it would reach logs and the failure queue.
 */
function redactedNetworkError(error: unknown, headers: Readonly<Record<string, string>>): Error {
  const copy = (value: unknown, depth: number): Error => {
    const source = value instanceof Error ? value : new Error(String(value));
    const cause = depth < 3 && source.cause !== undefined ? { cause: copy(source.cause, depth + 1) } : {};
    const safe = new Error(redact(source.message, headers), cause);
    safe.name = source.name;
    const code = (source as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(safe, { code });
    return safe;
  };
  return copy(error, 0);
}

/** Huawei's error body: `{"error_code": "...", "error_msg": "..."}` (some gateways nest it under `error`). */
function readErrorBody(body: string): { errorCode?: string; errorMsg?: string; requestId?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const record = json as Record<string, unknown>;
  const nested =
    typeof record.error === 'object' && record.error !== null
      ? (record.error as Record<string, unknown>)
      : {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const errorCode = text(record.error_code) ?? text(nested.code);
  const errorMsg = text(record.error_msg) ?? text(nested.message);
  const requestId = text(record.request_id);
  return {
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(errorMsg === undefined ? {} : { errorMsg }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/** Node's error code from a fetch failure (`ECONNRESET`, `UND_ERR_SOCKET`, ...), searched along the causes. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

function describeAttempt(attempt: Attempt): string | undefined {
  switch (attempt.kind) {
    case 'page':
      return undefined;
    case 'malformed':
      return `malformed body: ${attempt.problem}`;
    case 'http': {
      const { errorCode } = readErrorBody(attempt.body);
      return `HTTP ${attempt.status}${errorCode ? ` ${errorCode}` : ''}`;
    }
    case 'too-large':
      return `body larger than ${attempt.maxBytes} bytes`;
    case 'timeout':
      return `timeout after ${attempt.timeoutMs} ms`;
    case 'network':
      return `network error ${networkCode(attempt.error) ?? networkReason(attempt.error)}`;
  }
}

/**
 * The jobs API over HTTP: validates every query before sending, authenticates each attempt,
 * retries what can succeed later (429, 5xx, network errors, timeouts, a cut-off 200) with full-jitter
 * backoff or the server's `Retry-After`, and maps the rest to typed errors naming host, project and status.
 * Redirects are not followed, so credentials never travel to another host.
 */
export function createJobsClient(options: JobsClientOptions): JobsApi {
  const endpoint = parseEndpoint(options.endpoint);
  validateProjectId(options.projectId);
  const projectId = options.projectId;
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs, 1);
  const maxAttempts = checkNumber('maxAttempts', options.maxAttempts ?? DEFAULTS.maxAttempts, 1, true);
  const baseDelayMs = checkNumber('baseDelayMs', options.baseDelayMs ?? DEFAULTS.baseDelayMs, 0);
  const maxDelayMs = checkNumber('maxDelayMs', options.maxDelayMs ?? DEFAULTS.maxDelayMs, 0);
  const { auth } = options;
  const sleep = options.sleep ?? realSleep;
  const startTimer = options.startTimer ?? realTimer;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const site: JobsCallSite = { host: endpoint.host, projectId };

  async function attemptOnce(
    url: URL,
    authHeaders: Readonly<Record<string, string>>,
    attemptTimeoutMs: number,
  ): Promise<Attempt> {
    const headers = { 'content-type': 'application/json' };
    const controller = new AbortController();
    let timedOut = false;
    const cancelTimer = startTimer(() => {
      timedOut = true;
      controller.abort();
    }, attemptTimeoutMs);
    try {
      const response = await fetchImpl(url.href, {
        method: 'GET',
        headers: { ...headers, ...authHeaders },
        signal: controller.signal,
        redirect: 'manual',
      });
      const { text: body, complete } = await readBodyCapped(response, MAX_JOBS_PAGE_BYTES);
      const success = response.status >= 200 && response.status <= 299;
      if (success && !complete) {
        return { kind: 'too-large', status: response.status, maxBytes: MAX_JOBS_PAGE_BYTES };
      }
      // A debugging proxy may echo request headers: keep credentials out of what errors carry.
      const safeBody = redact(body, authHeaders);
      if (!success) {
        return { kind: 'http', status: response.status, headers: response.headers, body: safeBody };
      }
      const parsed = parseJobsBody(body);
      return parsed.ok
        ? { kind: 'page', status: response.status, page: parsed.page }
        : {
            kind: 'malformed',
            status: response.status,
            body: safeBody,
            problem: redact(parsed.problem, authHeaders),
          };
    } catch (error) {
      return timedOut
        ? { kind: 'timeout', timeoutMs: attemptTimeoutMs }
        : { kind: 'network', error: redactedNetworkError(error, authHeaders) };
    } finally {
      cancelTimer();
    }
  }

  function httpError(attempt: Extract<Attempt, { kind: 'http' }>, attempts: number): JobsApiError {
    const fromBody = readErrorBody(attempt.body);
    const requestId = attempt.headers.get('x-request-id') ?? fromBody.requestId;
    const details = {
      ...site,
      ...fromBody,
      ...(requestId ? { requestId } : {}),
      status: attempt.status,
      attempts,
    };
    if (attempt.status === 401) return new JobsUnauthorizedError(details);
    if (attempt.status === 429) {
      const waitMs = retryAfterMs(attempt.headers.get('retry-after'), now());
      return new JobsThrottledError({
        ...details,
        ...(waitMs === undefined ? {} : { retryAfterMs: waitMs }),
      });
    }
    return new JobsApiError(details);
  }

  function finalError(attempt: Exclude<Attempt, { kind: 'page' }>, attempts: number): Error {
    switch (attempt.kind) {
      case 'malformed':
        return new MalformedJobsResponseError({
          ...site,
          status: attempt.status,
          problem: attempt.problem,
          body: attempt.body,
          attempts,
        });
      case 'http':
        return httpError(attempt, attempts);
      case 'too-large':
        return new JobsResponseTooLargeError({ ...site, ...attempt, attempts });
      case 'timeout':
        return new JobsTimeoutError({ ...site, timeoutMs: attempt.timeoutMs, attempts });
      case 'network':
        return new JobsNetworkError(
          {
            ...site,
            ...(networkCode(attempt.error) ? { code: networkCode(attempt.error) } : {}),
            reason: networkReason(attempt.error),
            attempts,
          },
          { cause: attempt.error },
        );
    }
  }

  function isRetryable(attempt: Exclude<Attempt, { kind: 'page' }>): boolean {
    // Another attempt would stream the same oversized body again.
    if (attempt.kind === 'too-large') return false;
    if (attempt.kind !== 'http') return true;
    return attempt.status === 429 || attempt.status >= 500;
  }

  /**
   * One page, with retries. A 401 gets one fresh credential and one more attempt, however young the
   * refused credential was (a token can be revoked any time); refused again, the call fails. With a
   * deadline no attempt starts after it, an attempt ends by it, and no backoff sleeps past it.
   */
  async function fetchPage(
    query: JobsQuery,
    call: JobsCallOptions = {},
  ): Promise<{ page: JobsPage; requests: number }> {
    validateJobsQuery(query);
    const url = buildJobsUrl(endpoint, projectId, query);
    const deadlineMs = call.budgetMs === undefined ? undefined : now() + call.budgetMs;
    let requests = 0;
    let failures = 0;
    let renewedCredentials = false;
    let last: Exclude<Attempt, { kind: 'page' }> | undefined;
    for (;;) {
      const leftMs = deadlineMs === undefined ? Number.POSITIVE_INFINITY : deadlineMs - now();
      if (leftMs <= 0) {
        throw new JobsDeadlineError({ ...site, attempts: requests, last: last && describeAttempt(last) });
      }
      requests += 1;
      const started = performance.now();
      const headers = { 'content-type': 'application/json' };
      const authHeaders = await auth.headersFor({
        method: 'GET',
        url,
        headers,
        body: '',
        ...(deadlineMs === undefined ? {} : { budgetMs: leftMs }),
      });
      const attempt = await attemptOnce(url, authHeaders, Math.min(timeoutMs, leftMs));
      const error = describeAttempt(attempt);
      options.onRequest?.({
        status: 'status' in attempt ? attempt.status : null,
        attempt: requests,
        durationMs: performance.now() - started,
        ...(error === undefined ? {} : { error }),
      });
      if (attempt.kind === 'page') return { page: attempt.page, requests };
      last = attempt;

      if (attempt.kind === 'http' && attempt.status === 401) {
        if (!renewedCredentials && auth.invalidate && (await auth.invalidate(authHeaders))) {
          renewedCredentials = true;
          continue;
        }
        throw finalError(attempt, requests);
      }
      if (attempt.kind === 'timeout' && attempt.timeoutMs < timeoutMs) {
        throw new JobsDeadlineError({ ...site, attempts: requests, last: describeAttempt(attempt) });
      }
      if (!isRetryable(attempt)) throw finalError(attempt, requests);
      failures += 1;
      if (failures >= maxAttempts) throw finalError(attempt, requests);
      const askedMs =
        attempt.kind === 'http' ? retryAfterMs(attempt.headers.get('retry-after'), now()) : undefined;
      const waitMs = askedMs ?? backoffDelayMs({ failedAttempts: failures, baseDelayMs, maxDelayMs, random });
      // A wait that would end past the deadline cannot lead to a page in time: say what failed.
      if (deadlineMs !== undefined && now() + waitMs >= deadlineMs) throw finalError(attempt, requests);
      await sleep(waitMs);
    }
  }

  return {
    listJobs: async (query, options) => {
      const { page, requests } = await fetchPage(query, options);
      return { ...page, requests };
    },
    // The budget is the whole scan's: each page gets what is left of it.
    scanJobs: (window, options) => {
      const endMs = options?.budgetMs === undefined ? undefined : now() + options.budgetMs;
      const left = (): JobsCallOptions => (endMs === undefined ? {} : { budgetMs: endMs - now() });
      return scanAllPages((query) => fetchPage(query, left()), window, site);
    },
  };
}
