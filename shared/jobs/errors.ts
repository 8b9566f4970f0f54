/** Where a call went: named in every error message (never credentials). */
export interface JobsCallSite {
  /** Endpoint host, e.g. `gaussdb-nosql.ap-southeast-1.myhuaweicloud.com`. */
  readonly host: string;
  readonly projectId: string;
}

/** What the API said about a failed call. */
export interface JobsApiErrorDetails extends JobsCallSite {
  readonly status: number;
  /** Huawei `error_code`, e.g. `DBS.200001` or `APIG.0308`, when the body had one. */
  readonly errorCode?: string;
  /** Huawei `error_msg`, when the body had one. */
  readonly errorMsg?: string;
  /** `X-Request-Id` of the answer (or `request_id` of the body): quote it to Huawei support. */
  readonly requestId?: string;
  /** HTTP requests sent for this call, retries included. */
  readonly attempts: number;
}

const MAX_ERROR_MSG_CHARS = 200;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_ERROR_MSG_CHARS ? `${flat.slice(0, MAX_ERROR_MSG_CHARS)}...` : flat;
}

function site(where: JobsCallSite): string {
  return `GeminiDB jobs API ${where.host}, project ${where.projectId}`;
}

function attemptsText(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

function fixForStatus(status: number): string {
  if (status === 400) return 'check the query parameters against the API doc';
  if (status === 403) return 'grant the credentials read access to GeminiDB (e.g. GeminiDB ReadOnlyAccess)';
  if (status === 404) return 'check the endpoint region and the project id';
  if (status >= 300 && status < 400) return 'set the endpoint to the final URL (redirects are not followed)';
  if (status >= 500) return 'the service is failing; try again later';
  return 'see errorCode and errorMsg';
}

/**
 * Thrown when the jobs API answered with an HTTP error. Carries the status and Huawei's
 * `error_code`/`error_msg` so callers and logs can tell a bad parameter from an outage.
 */
export class JobsApiError extends Error {
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorMsg: string | undefined;
  readonly requestId: string | undefined;
  readonly host: string;
  readonly projectId: string;
  readonly attempts: number;

  constructor(
    details: JobsApiErrorDetails,
    fix: string = fixForStatus(details.status),
    options?: ErrorOptions,
  ) {
    const code = details.errorCode ? ` ${details.errorCode}` : '';
    const msg = details.errorMsg ? ` "${oneLine(details.errorMsg)}"` : '';
    const request = details.requestId ? `request id ${details.requestId}, ` : '';
    super(
      `${site(details)}: HTTP ${details.status}${code}${msg} (${request}${attemptsText(details.attempts)}); ${fix}`,
      options,
    );
    this.name = 'JobsApiError';
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.errorMsg = details.errorMsg;
    this.requestId = details.requestId;
    this.host = details.host;
    this.projectId = details.projectId;
    this.attempts = details.attempts;
  }
}

/** Thrown on 401 (`APIG.0301`): the token or signature is wrong or expired and could not be renewed. */
export class JobsUnauthorizedError extends JobsApiError {
  constructor(details: JobsApiErrorDetails, options?: ErrorOptions) {
    super(details, 'renew the token or check the AK/SK (and the clock, for signatures)', options);
    this.name = 'JobsUnauthorizedError';
  }
}

/** Thrown on 429 (`APIG.0308`) after every attempt was throttled. */
export class JobsThrottledError extends JobsApiError {
  /** What the last `Retry-After` asked for, when it said anything. */
  readonly retryAfterMs: number | undefined;

  constructor(details: JobsApiErrorDetails & { readonly retryAfterMs?: number }, options?: ErrorOptions) {
    super(details, 'poll less often or raise maxAttempts', options);
    this.name = 'JobsThrottledError';
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Thrown when no attempt got an answer within `timeoutMs`. */
export class JobsTimeoutError extends Error {
  readonly status = null;
  readonly host: string;
  readonly projectId: string;
  readonly timeoutMs: number;
  readonly attempts: number;

  constructor(where: JobsCallSite & { readonly timeoutMs: number; readonly attempts: number }) {
    super(
      `${site(where)}: no HTTP status, no answer within ${where.timeoutMs} ms ` +
        `(${attemptsText(where.attempts)}); check that the endpoint is reachable or raise timeoutMs`,
    );
    this.name = 'JobsTimeoutError';
    this.host = where.host;
    this.projectId = where.projectId;
    this.timeoutMs = where.timeoutMs;
    this.attempts = where.attempts;
  }
}

/**
 * Thrown when the caller's deadline (the invocation's time) ended a call before it had a page:
 * the next cycle tries again. `last` says what the attempts before it met, if any.
 */
export class JobsDeadlineError extends Error {
  readonly host: string;
  readonly projectId: string;
  readonly attempts: number;

  constructor(where: JobsCallSite & { readonly attempts: number; readonly last?: string | undefined }) {
    const last = where.last ? `; last attempt: ${where.last}` : '';
    super(
      `${site(where)}: stopped at the invocation's deadline (${attemptsText(where.attempts)}${last}); ` +
        'the next cycle tries again; if this repeats, raise the function timeout or lower targetConcurrency',
    );
    this.name = 'JobsDeadlineError';
    this.host = where.host;
    this.projectId = where.projectId;
    this.attempts = where.attempts;
  }
}

/** Thrown when the last attempt failed below HTTP (DNS, refused or reset connection, TLS). */
export class JobsNetworkError extends Error {
  readonly status = null;
  readonly host: string;
  readonly projectId: string;
  /** Node's error code when there is one (`ECONNRESET`, `ENOTFOUND`, ...). */
  readonly code: string | undefined;
  readonly attempts: number;

  constructor(
    where: JobsCallSite & { readonly code?: string; readonly reason: string; readonly attempts: number },
    options?: ErrorOptions,
  ) {
    const code = where.code ? ` ${where.code}` : '';
    super(
      `${site(where)}: no HTTP status, network error${code}: ${oneLine(where.reason)} ` +
        `(${attemptsText(where.attempts)}); check the endpoint URL and the network path (DNS, proxy, egress)`,
      options,
    );
    this.name = 'JobsNetworkError';
    this.host = where.host;
    this.projectId = where.projectId;
    this.code = where.code;
    this.attempts = where.attempts;
  }
}

/**
 * Thrown when a success answer's body is longer than a jobs page can be ({@link MAX_JOBS_PAGE_BYTES}
 * in `read-body.ts`): reading stopped at the cap so that one broken or hostile server cannot take the
 * function's memory (and with it every other target of the invocation). Not retried.
 */
export class JobsResponseTooLargeError extends Error {
  readonly status: number;
  readonly host: string;
  readonly projectId: string;
  readonly maxBytes: number;
  readonly attempts: number;

  constructor(
    where: JobsCallSite & { readonly status: number; readonly maxBytes: number; readonly attempts: number },
  ) {
    super(
      `${site(where)}: HTTP ${where.status} with a body larger than ${where.maxBytes} bytes, not read further ` +
        `(${attemptsText(where.attempts)}); check that the endpoint is a GeminiDB jobs API and not a proxy or another service`,
    );
    this.name = 'JobsResponseTooLargeError';
    this.status = where.status;
    this.host = where.host;
    this.projectId = where.projectId;
    this.maxBytes = where.maxBytes;
    this.attempts = where.attempts;
  }
}

/** How much of a bad body an error keeps, for diagnosis. */
export const BODY_SNIPPET_CHARS = 200;

/** How much of a bad body the message itself quotes. */
const MESSAGE_SNIPPET_CHARS = 120;

/**
 * The start of a bad body for a one-line message: control characters (a terminal escape from a
 * hostile page included) become spaces. The caller passes the body with credentials redacted.
 */
function messageSnippet(body: string): string {
  const flat = body.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (flat === '') return 'the body is empty';
  const cut = flat.length > MESSAGE_SNIPPET_CHARS ? `${flat.slice(0, MESSAGE_SNIPPET_CHARS)}...` : flat;
  return `body starts: ${JSON.stringify(cut)}`;
}

/**
 * Thrown when a success answer's body is not a jobs page (HTML from a proxy, truncated JSON,
 * wrong types, missing fields) on every attempt. The message names the first bad field and quotes
 * the start of the body (the caller redacts credentials from it first).
 */
export class MalformedJobsResponseError extends Error {
  readonly status: number;
  readonly host: string;
  readonly projectId: string;
  /** What was wrong, e.g. `jobs[3].start_time: expected a time like ..., got "yesterday"`. */
  readonly problem: string;
  /** The first {@link BODY_SNIPPET_CHARS} characters of the body, credentials redacted by the caller. */
  readonly bodySnippet: string;
  readonly attempts: number;

  constructor(
    where: JobsCallSite & {
      readonly status: number;
      readonly problem: string;
      readonly body: string;
      readonly attempts: number;
    },
    options?: ErrorOptions,
  ) {
    super(
      `${site(where)}: HTTP ${where.status} with a malformed body (${attemptsText(where.attempts)}): ` +
        `${oneLine(where.problem)}; check that the endpoint is a GeminiDB jobs API and not a proxy page (${messageSnippet(where.body)})`,
      options,
    );
    this.name = 'MalformedJobsResponseError';
    this.status = where.status;
    this.host = where.host;
    this.projectId = where.projectId;
    this.problem = where.problem;
    this.bodySnippet = where.body.slice(0, BODY_SNIPPET_CHARS);
    this.attempts = where.attempts;
  }
}

/** Thrown before any request when a query parameter (or the project id) is invalid. */
export class InvalidJobsQueryError extends Error {
  /** The parameter as the API names it: `limit`, `start_time`, `project_id`, ... */
  readonly parameter: string;

  constructor(parameter: string, problem: string, fix: string) {
    super(`Invalid jobs query parameter ${parameter}: ${problem}; ${fix}`);
    this.name = 'InvalidJobsQueryError';
    this.parameter = parameter;
  }
}

/** Thrown by `createJobsClient` when an option cannot work (bad endpoint URL, zero attempts, ...). */
export class InvalidJobsClientOptionsError extends Error {
  readonly option: string;

  constructor(option: string, problem: string, fix: string) {
    super(`Invalid jobs client option ${option}: ${problem}; ${fix}`);
    this.name = 'InvalidJobsClientOptionsError';
    this.option = option;
  }
}

/** Thrown when a scan could not account for every job the API counts, even after a second pass. */
export class JobsScanIncompleteError extends Error {
  readonly host: string;
  readonly projectId: string;
  /** Unique jobs collected. */
  readonly found: number;
  /** The API's last `total_count`. */
  readonly expected: number;
  readonly pages: number;

  constructor(
    where: JobsCallSite & {
      readonly found: number;
      readonly expected: number;
      readonly pages: number;
      readonly reason: string;
    },
  ) {
    super(
      `${site(where)}: scan found ${where.found} unique jobs but the API counts ${where.expected} ` +
        `after ${where.pages} pages (${where.reason}); jobs changed faster than the scan, run the cycle again`,
    );
    this.name = 'JobsScanIncompleteError';
    this.host = where.host;
    this.projectId = where.projectId;
    this.found = where.found;
    this.expected = where.expected;
    this.pages = where.pages;
  }
}
