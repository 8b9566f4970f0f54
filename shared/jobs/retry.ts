/** Longest wait a `Retry-After` header may impose on one retry. */
export const RETRY_AFTER_CAP_MS = 30_000;

/** Inputs of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** 1 for the wait after the first failed attempt. */
  readonly failedAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A number in [0, 1), `Math.random` in production. */
  readonly random: () => number;
}

/**
 * Exponential backoff with full jitter: a uniform wait in [0, min(max, base * 2^(n-1))).
 * Full jitter spreads retries of many pollers throttled at the same moment.
 */
export function backoffDelayMs(options: BackoffOptions): number {
  const exponent = Math.max(0, options.failedAttempts - 1);
  const ceilingMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.floor(options.random() * ceilingMs);
}

/**
 * The wait a `Retry-After` header asks for (delay in seconds or an HTTP date), capped at
 * `capMs`. Undefined when the header is absent or unreadable, so backoff applies instead.
 */
export function retryAfterMs(
  header: string | null,
  nowMs: number,
  capMs = RETRY_AFTER_CAP_MS,
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  let waitMs: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    waitMs = Math.round(Number(value) * 1000);
  } else {
    // An HTTP date always has a weekday or month name; this keeps `-3` from parsing as year -3.
    if (!/[a-z]/i.test(value)) return undefined;
    const dateMs = Date.parse(value);
    if (Number.isNaN(dateMs)) return undefined;
    waitMs = dateMs - nowMs;
  }
  return Math.min(capMs, Math.max(0, waitMs));
}
