import { InvalidJobsQueryError } from './errors';
import type { JobsQuery } from './jobs-client';
import { API_TIME_EXAMPLE, formatApiTime } from './time';

/** The page sizes the API accepts. */
export const JOBS_PAGE_SIZES = [10, 20, 50] as const;

/** Longest window the API accepts between `start_time` and `end_time`. */
export const MAX_WINDOW_SECONDS = 30 * 24 * 60 * 60;

const PARAMETER_ORDER = ['id', 'start_time', 'end_time', 'status', 'name', 'offset', 'limit'] as const;
const KNOWN_PARAMETERS: ReadonlySet<string> = new Set(PARAMETER_ORDER);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Date) return 'an invalid Date';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkText(query: JobsQuery, parameter: 'id' | 'status' | 'name', fix: string): void {
  const value: unknown = query[parameter];
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidJobsQueryError(parameter, `expected a non-empty string, got ${describe(value)}`, fix);
  }
}

function checkTime(query: JobsQuery, parameter: 'start_time' | 'end_time'): number | undefined {
  const value: unknown = query[parameter];
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidJobsQueryError(
      parameter,
      `expected a valid Date, got ${describe(value)}`,
      `pass a Date (it is sent as ${API_TIME_EXAMPLE}) or leave it out`,
    );
  }
  const year = value.getUTCFullYear();
  if (year < 1970 || year > 9999) {
    throw new InvalidJobsQueryError(
      parameter,
      `year ${year} is out of range`,
      'pass a Date between 1970 and 9999',
    );
  }
  // The API works in whole seconds; compare what will actually be sent.
  return Math.floor(value.getTime() / 1000);
}

/**
 * Checks every parameter of a jobs query the way the API would, so a bad value fails here with a
 * message naming the parameter and the fix instead of a `DBS.200001` from the server.
 * A window is only checked for its 30-day span when both ends are given.
 */
export function validateJobsQuery(query: JobsQuery): void {
  for (const key of Object.keys(query)) {
    if (!KNOWN_PARAMETERS.has(key)) {
      throw new InvalidJobsQueryError(
        key,
        'the API has no such parameter',
        `use one of ${PARAMETER_ORDER.join(', ')}`,
      );
    }
  }
  checkText(query, 'id', 'pass a task id or leave it out');
  checkText(query, 'status', 'pass a status such as Running, Completed or Failed, or leave it out');
  checkText(query, 'name', 'pass a task name such as BackupInstance, or leave it out');

  const offset: unknown = query.offset;
  if (offset !== undefined && !(typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0)) {
    throw new InvalidJobsQueryError(
      'offset',
      `expected an integer >= 0, got ${describe(offset)}`,
      'pass 0 or a positive whole number',
    );
  }
  const limit: unknown = query.limit;
  if (limit !== undefined && !(JOBS_PAGE_SIZES as readonly unknown[]).includes(limit)) {
    throw new InvalidJobsQueryError(
      'limit',
      `expected 10, 20 or 50, got ${describe(limit)}`,
      'pass 10, 20 or 50',
    );
  }

  const startSeconds = checkTime(query, 'start_time');
  const endSeconds = checkTime(query, 'end_time');
  if (startSeconds === undefined || endSeconds === undefined) return;
  if (endSeconds <= startSeconds) {
    throw new InvalidJobsQueryError(
      'end_time',
      `${formatApiTime(query.end_time as Date)} is not after start_time ${formatApiTime(query.start_time as Date)} (whole seconds)`,
      'pass an end_time later than start_time',
    );
  }
  const spanSeconds = endSeconds - startSeconds;
  if (spanSeconds > MAX_WINDOW_SECONDS) {
    throw new InvalidJobsQueryError(
      'end_time',
      `the window spans ${(spanSeconds / 86_400).toFixed(2)} days, more than the 30 the API allows`,
      'narrow the window to 30 days or split it into several queries',
    );
  }
}

/** Checks the `{project_id}` path parameter: non-empty and a single path segment. */
export function validateProjectId(projectId: unknown): asserts projectId is string {
  if (typeof projectId !== 'string' || projectId.trim() === '') {
    throw new InvalidJobsQueryError(
      'project_id',
      `expected a non-empty string, got ${describe(projectId)}`,
      'pass the project id of the region (IAM console, My Credentials > API Credentials)',
    );
  }
  if (/[/?#\s]/.test(projectId)) {
    throw new InvalidJobsQueryError(
      'project_id',
      `${JSON.stringify(projectId)} contains a "/", "?", "#" or whitespace`,
      'pass the bare project id, e.g. 0549b4a43100d4f32f51c01c2fe4acdb',
    );
  }
}

function queryValue(query: JobsQuery, parameter: (typeof PARAMETER_ORDER)[number]): string | undefined {
  const value = query[parameter];
  if (value === undefined) return undefined;
  return value instanceof Date ? formatApiTime(value) : String(value);
}

/**
 * The URL of `GET {endpoint}/v3/{project_id}/jobs?...` for a validated query. Parameters come in
 * the documented order and are percent-encoded, so a time's `+` travels as `%2B`.
 */
export function buildJobsUrl(endpoint: URL, projectId: string, query: JobsQuery): URL {
  const url = new URL(endpoint.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v3/${encodeURIComponent(projectId)}/jobs`;
  const pairs: string[] = [];
  for (const parameter of PARAMETER_ORDER) {
    const value = queryValue(query, parameter);
    if (value !== undefined) pairs.push(`${parameter}=${encodeURIComponent(value)}`);
  }
  url.search = pairs.join('&');
  return url;
}
