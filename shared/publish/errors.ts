/**
 * A sink refused or could not take an event. The cycle leaves the event in the outbox and
 * the next cycle publishes it again with the same id.
 */
export class PublishError extends Error {
  /** The publisher's name (`sns`, `jsonl`, ...), for logs and metrics. */
  readonly sink: string;
  /** The message without the sink's name in front. */
  readonly detail: string;

  constructor(sink: string, detail: string, options?: { cause?: unknown }) {
    super(`${sink}: ${detail}`, options);
    this.name = 'PublishError';
    this.sink = sink;
    this.detail = detail;
  }
}

/**
 * The sink throttled the publish (e.g. SNS `ThrottledException`): not a fault of the event,
 * retry later or slow down. A {@link PublishError}, so one catch handles both.
 */
export class PublishThrottledError extends PublishError {
  constructor(sink: string, message: string, options?: { cause?: unknown }) {
    super(sink, message, options);
    this.name = 'PublishThrottledError';
  }
}

/**
 * The sink could not be reached at all (DNS, a refused or reset connection, a timeout): nothing
 * was said about the topic or the permissions, so the fix is the network, not the stack.
 */
export class PublishNetworkError extends PublishError {
  constructor(sink: string, message: string, options?: { cause?: unknown }) {
    super(sink, message, options);
    this.name = 'PublishNetworkError';
  }
}

/** Node's codes for a request that never got an answer. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Whether an AWS SDK call failed before AWS answered: a network code, or the SDK's `TimeoutError`, on it or its causes. */
export function isNetworkError(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    typeof current === 'object' && current !== null && depth < 5;
    depth++
  ) {
    const { code, name, cause } = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    if (name === 'TimeoutError') return true;
    current = cause;
  }
  return false;
}
