import type { JobsPageBody } from './query';
import type { Random } from './random';
import { parseHuaweiTime } from './raw-job';

/**
 * Per-request chances (0-1) of each injected fault. At most one of the response faults hits a
 * request (checked in the order listed, so earlier ones win when rates add up past 1); `slow`
 * is drawn on its own and only delays the answer.
 */
export interface FaultRates {
  /** 429 `APIG.0308` with `Retry-After`. */
  readonly throttle?: number;
  /** 500, 502 or 503 with a Huawei-shaped error body. */
  readonly serverError?: number;
  /** An HTML error page (200 or 502, `text/html`). */
  readonly htmlPage?: number;
  /** 200 with the JSON body cut mid-way. */
  readonly truncatedJson?: number;
  /** 200 with a field of the wrong type (`total_count` a string, `start_time` a number, ...). */
  readonly wrongTypes?: number;
  /** The socket is destroyed without an answer. */
  readonly connectionReset?: number;
  /** The answer is delayed by `slowMs`. */
  readonly slow?: number;
  /** Delay of a slow answer; default 3000. */
  readonly slowMs?: number;
  /** `Retry-After` of a throttled answer; default 1. */
  readonly retryAfterSeconds?: number;
}

/** The faults that replace the normal answer (slow only delays it). */
export const FaultKind = {
  connectionReset: 'connectionReset',
  throttle: 'throttle',
  serverError: 'serverError',
  htmlPage: 'htmlPage',
  truncatedJson: 'truncatedJson',
  wrongTypes: 'wrongTypes',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** Thrown when a fault rate is not a number between 0 and 1. */
export class InvalidFaultRateError extends Error {
  constructor(field: string) {
    super(`faults.${field} must be a number between 0 and 1 (a per-request chance).`);
    this.name = 'InvalidFaultRateError';
  }
}

/** What the dice decided for one request. */
export interface FaultDraw {
  readonly kind: FaultKind | undefined;
  /** Extra delay in ms; 0 unless the request is slow. */
  readonly slowMs: number;
  /** A uniform number in [0, 1) that picks among a fault's variants. */
  readonly variant: number;
}

/** A complete canned HTTP answer. */
export interface CannedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const ORDER: readonly FaultKind[] = Object.values(FaultKind);
const JSON_TYPE = 'application/json;charset=UTF-8';
const DEFAULT_SLOW_MS = 3000;
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** Checks that every rate is a chance; throws {@link InvalidFaultRateError}. */
export function validateFaultRates(rates: FaultRates): void {
  for (const field of [...ORDER, 'slow'] as const) {
    const rate = rates[field];
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new InvalidFaultRateError(field);
  }
}

/**
 * Rolls the dice for one request. Always draws the same amount from `random`, so the
 * sequence of faults depends only on the seed and the number of requests.
 */
export function drawFault(random: Random, rates: FaultRates | undefined): FaultDraw {
  const roll = random.next();
  const slowRoll = random.next();
  const variant = random.next();
  let threshold = 0;
  let kind: FaultKind | undefined;
  for (const candidate of ORDER) {
    threshold += rates?.[candidate] ?? 0;
    if (roll < threshold) {
      kind = candidate;
      break;
    }
  }
  const slow = slowRoll < (rates?.slow ?? 0);
  return { kind, slowMs: slow ? (rates?.slowMs ?? DEFAULT_SLOW_MS) : 0, variant };
}

/** A Huawei-shaped JSON error answer. */
export function errorResponse(
  status: number,
  errorCode: string,
  errorMsg: string,
  headers: Readonly<Record<string, string>> = {},
): CannedResponse {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify({ error_code: errorCode, error_msg: errorMsg }),
  };
}

/** The gateway's throttling answer. */
export function throttleResponse(retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS): CannedResponse {
  return errorResponse(
    429,
    'APIG.0308',
    'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute',
    { 'retry-after': String(retryAfterSeconds) },
  );
}

const SERVER_ERRORS: readonly CannedResponse[] = [
  errorResponse(500, 'DBS.200002', 'Internal server error. Try again later.'),
  errorResponse(502, 'APIG.0202', 'Backend unavailable'),
  errorResponse(503, 'DBS.200003', 'The service is temporarily unavailable. Try again later.'),
];

/** One of 500, 502, 503 with a Huawei-ish body, picked by `variant`. */
export function serverErrorResponse(variant: number): CannedResponse {
  return SERVER_ERRORS[Math.floor(variant * SERVER_ERRORS.length)] ?? (SERVER_ERRORS[0] as CannedResponse);
}

/** An HTML page where JSON was expected: a proxy's 502, or a 200 maintenance page. */
export function htmlPageResponse(variant: number): CannedResponse {
  const headers = { 'content-type': 'text/html; charset=utf-8' };
  if (variant < 0.5) {
    return {
      status: 502,
      headers,
      body:
        '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
        '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    };
  }
  return {
    status: 200,
    headers,
    body:
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Huawei Cloud</title></head>' +
      '<body><h1>System maintenance</h1><p>The service is being upgraded. Try again later.</p></body></html>',
  };
}

/** The body cut somewhere between 10% and 90% of its length: never valid JSON. */
export function truncateBody(body: string, variant: number): string {
  const cut = Math.floor(body.length * (0.1 + 0.8 * variant));
  return body.slice(0, Math.min(body.length - 1, Math.max(1, cut)));
}

/**
 * The page with one field of the wrong type, picked by `variant`: `total_count` as a string,
 * or the first job's `start_time` as epoch seconds, `progress` in an array, `instance` as a string.
 * (A bare number is a progress the client reads, so it would be no fault.)
 */
export function wrongTypesBody(page: JobsPageBody, variant: number): string {
  const first = page.jobs[0];
  const choice = first ? Math.floor(variant * 4) : 0;
  const body: Record<string, unknown> = { ...page };
  if (!first || choice === 0) {
    body.total_count = String(page.total_count);
    return JSON.stringify(body);
  }
  const rest = page.jobs.slice(1);
  const broken: Record<string, unknown> = { ...first };
  if (choice === 1) broken.start_time = Math.floor((parseHuaweiTime(first.start_time) ?? 0) / 1000);
  else if (choice === 2) broken.progress = [first.progress];
  else broken.instance = first.instance.id;
  body.jobs = [broken, ...rest];
  return JSON.stringify(body);
}
