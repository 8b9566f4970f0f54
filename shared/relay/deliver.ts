import { backoffDelayMs, retryAfterMs } from '../jobs/retry';
import { discardBody, MAX_RELAY_ANSWER_BYTES, readBodyCapped } from '../read-body';

/** One delivery: a POST of `body` to a destination's URL. */
export interface DeliveryRequest {
  /** The destination's name, the only way errors and logs refer to it (the URL is a secret). */
  readonly destination: string;
  readonly url: string;
  readonly body: string;
  /** Headers of one attempt (1-based); called per attempt, so a signature is fresh on each. */
  readonly headers: (attempt: number, nowMs: number) => Readonly<Record<string, string>>;
}

/** How hard {@link deliver} tries; the clock, sleep, randomness and fetch are injectable for tests. */
export interface DeliveryOptions {
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  /** Backoff base: the first retry waits up to this long; default 500. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, `Retry-After` included; default 8 000. */
  readonly maxDelayMs?: number;
  /** Epoch ms after which no retry starts (the invocation is about to time out). */
  readonly deadlineMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** A destination accepted the delivery. */
export interface Delivered {
  readonly status: number;
  readonly attempts: number;
}

/** A delivery that did not go through; the name says why. Never carries the URL. */
export class DeliveryError extends Error {
  readonly destination: string;
  readonly attempts: number;

  constructor(destination: string, attempts: number, message: string, options?: { cause?: unknown }) {
    super(`destination "${destination}": ${message}`, options);
    this.name = 'DeliveryError';
    this.destination = destination;
    this.attempts = attempts;
  }
}

/** The destination answered with a status that is not 2xx: after all retries (429, 5xx), or at once (other 4xx, 3xx). */
export class DestinationHttpError extends DeliveryError {
  readonly status: number;
  /** 429, 408 and 5xx are retried; anything else is not (retrying would not help). */
  readonly retryable: boolean;

  constructor(destination: string, attempts: number, status: number, message: string) {
    super(destination, attempts, message);
    this.name = 'DestinationHttpError';
    this.status = status;
    this.retryable = isRetryableStatus(status);
  }
}

/** No answer: connection refused or reset, DNS, TLS, or the per-attempt timeout, on every attempt. */
export class DestinationUnreachableError extends DeliveryError {
  constructor(destination: string, attempts: number, message: string, options?: { cause?: unknown }) {
    super(destination, attempts, message, options);
    this.name = 'DestinationUnreachableError';
  }
}

/** 408, 429 and 5xx: the destination may take the same request later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const DEFAULT_BASE_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 8_000;
const BODY_SNIPPET_CHARS = 200;

/**
 * POSTs a request to a destination, retrying 408/429/5xx answers and network failures with
 * exponential backoff and full jitter (a `Retry-After` header sets the wait, capped), until it is
 * accepted (2xx) or `maxAttempts` are spent or the deadline is near. Redirects are not followed: a
 * webhook URL must name the final endpoint. Errors name the destination, never the URL.
 */
export async function deliver(request: DeliveryRequest, options: DeliveryOptions): Promise<Delivered> {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  for (let attempt = 1; ; attempt += 1) {
    let failure: DeliveryError;
    let waitHint: number | undefined;
    try {
      const response = await fetchImpl(request.url, {
        method: 'POST',
        headers: request.headers(attempt, now()),
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (response.status >= 200 && response.status < 300) {
        // The answer to an accepted delivery says nothing the relay needs: drop it unread.
        await discardBody(response);
        return { status: response.status, attempts: attempt };
      }
      const text = await readSnippet(response);
      failure = httpError(request, attempt, response.status, redact(text, request.url));
      if (!isRetryableStatus(response.status)) throw failure;
      waitHint = retryAfterMs(response.headers.get('retry-after'), now(), maxDelayMs);
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      failure = unreachable(request, attempt, error, options.timeoutMs);
    }
    if (attempt >= options.maxAttempts) throw failure;
    const waitMs =
      waitHint ??
      backoffDelayMs({
        failedAttempts: attempt,
        baseDelayMs: options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
        maxDelayMs,
        random,
      });
    if (options.deadlineMs !== undefined && now() + waitMs + options.timeoutMs > options.deadlineMs) {
      throw withNote(failure, 'stopped retrying: the invocation was about to time out');
    }
    await sleep(waitMs);
  }
}

function httpError(
  request: DeliveryRequest,
  attempts: number,
  status: number,
  snippet: string,
): DestinationHttpError {
  const answer = `HTTP ${status}${snippet === '' ? '' : ` (${snippet})`}`;
  let advice: string;
  if (status >= 300 && status < 400)
    advice = 'a redirect, not followed: put the final URL in the relay secret';
  else if (status === 401 || status === 403 || status === 404 || status === 410) {
    advice = 'not retried: check the URL in the relay secret (revoked or mistyped webhook?)';
  } else if (isRetryableStatus(status)) advice = `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  else advice = 'not retried: the destination refused the message';
  return new DestinationHttpError(request.destination, attempts, status, `${answer}, ${advice}`);
}

function unreachable(
  request: DeliveryRequest,
  attempts: number,
  error: unknown,
  timeoutMs: number,
): DestinationUnreachableError {
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const reason = timedOut
    ? `no answer within ${timeoutMs} ms`
    : redact(describeNetworkError(error), request.url);
  return new DestinationUnreachableError(
    request.destination,
    attempts,
    `unreachable after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason})`,
    { cause: safeCause(error, request.url) },
  );
}

/** The same failure with a note appended (the attempts stay as they were). */
function withNote(failure: DeliveryError, note: string): DeliveryError {
  const message = `${failure.message.slice(`destination "${failure.destination}": `.length)}; ${note}`;
  if (failure instanceof DestinationHttpError) {
    return new DestinationHttpError(failure.destination, failure.attempts, failure.status, message);
  }
  return new DestinationUnreachableError(failure.destination, failure.attempts, message, {
    cause: failure.cause,
  });
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9` from undici's error and its cause. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** The error itself, or a copy without the URL when its text mentions it. */
function safeCause(error: unknown, url: string): unknown {
  if (!(error instanceof Error)) return error;
  const text = describeNetworkError(error);
  if (redact(text, url) === text) return error;
  const copy = new Error(redact(text, url));
  copy.name = error.name;
  return copy;
}

/** The secret parts of a webhook URL: the whole URL, its path with query, long path segments and query values. */
function secretParts(url: string): string[] {
  const parts = [url];
  try {
    const parsed = new URL(url);
    parts.push(parsed.href, `${parsed.pathname}${parsed.search}`);
    for (const segment of parsed.pathname.split('/')) if (segment.length >= 8) parts.push(segment);
    for (const value of parsed.searchParams.values()) if (value.length >= 8) parts.push(value);
  } catch {
    // An unparsable URL is only replaced whole.
  }
  return parts.filter((part) => part.length > 1);
}

/** A part as an answer may echo it: as is, JSON-escaped (`\/`, `\u002f`), URL-decoded or -encoded. */
function echoForms(part: string): string[] {
  const json = JSON.stringify(part).slice(1, -1);
  const forms = [part, json, json.replaceAll('/', '\\/'), json.replaceAll('/', '\\u002f')];
  const encoded = encodeURIComponent(part);
  forms.push(
    encoded,
    encoded.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
  );
  try {
    forms.push(decodeURIComponent(part));
  } catch {
    // Not a valid percent-encoding: there is no decoded form to find.
  }
  return forms;
}

/**
 * Replaces the URL, its path with query, and its long path segments and query values with `<url>`,
 * in every form an answer may echo them (JSON-escaped, URL-decoded or -encoded): the path and query
 * are the secret part of a Slack or Teams webhook URL.
 */
export function redact(text: string, url: string): string {
  const forms = [...new Set(secretParts(url).flatMap(echoForms))]
    .filter((form) => form.length > 1)
    .sort((a, b) => b.length - a.length);
  let result = text;
  for (const form of forms) result = result.split(form).join('<url>');
  return result;
}

/**
 * The start of the answer body on one line (Slack says why in it, e.g. `invalid_payload`), read
 * through a cap of {@link MAX_RELAY_ANSWER_BYTES}: a huge answer is not read past it.
 */
async function readSnippet(response: Response): Promise<string> {
  try {
    const { text } = await readBodyCapped(response, MAX_RELAY_ANSWER_BYTES);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break a log line.
    const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return line.length > BODY_SNIPPET_CHARS ? `${line.slice(0, BODY_SNIPPET_CHARS)}...` : line;
  } catch {
    return '';
  }
}
