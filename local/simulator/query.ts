import { DOCUMENTED_STATUSES } from './catalog';
import { parseHuaweiTime, type RawJob } from './raw-job';
import type { ListedJob } from './world';

/** A validated query of `GET /v3/{project_id}/jobs`: the window is inclusive at both ends. */
export interface JobsQuery {
  readonly id?: string;
  readonly status?: string;
  readonly name?: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly offset: number;
  readonly limit: number;
}

/** One page as the API answers it. */
export interface JobsPageBody {
  total_count: number;
  jobs: RawJob[];
}

/** A query parameter the API would reject with `DBS.200001`; the message says which and why. */
export class JobsParameterError extends Error {
  readonly parameter: string;
  constructor(parameter: string, problem: string) {
    super(`${parameter} ${problem}`);
    this.name = 'JobsParameterError';
    this.parameter = parameter;
  }
}

/** The longest window the API accepts. */
export const MAX_WINDOW_MS = 30 * 24 * 3600 * 1000;
/** Page sizes the API accepts. */
export const PAGE_SIZES = [10, 20, 50] as const;
const DEFAULT_LIMIT = 50;

/** A parameter's value; empty counts as absent, like an unset field in a form. */
function paramOf(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}

function timeOf(params: URLSearchParams, name: string): number | undefined {
  const text = paramOf(params, name);
  if (text === undefined) return undefined;
  const ms = parseHuaweiTime(text);
  if (ms === undefined) {
    const hint = text.includes(' ') ? ' (a space where the offset sign should be: send "+" as %2B)' : '';
    throw new JobsParameterError(name, `must look like yyyy-mm-ddThh:mm:ss+0000${hint}`);
  }
  return ms;
}

/**
 * Validates the query string the way the API does: limit 10/20/50, offset a non-negative
 * integer, times in the documented format with end after start and at most 30 days apart,
 * status one of the documented three. Throws {@link JobsParameterError}.
 */
export function parseJobsQuery(params: URLSearchParams, nowMs: number): JobsQuery {
  const limitText = paramOf(params, 'limit');
  if (limitText !== undefined && !PAGE_SIZES.some((size) => String(size) === limitText)) {
    throw new JobsParameterError('limit', 'must be 10, 20 or 50');
  }
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  const offsetText = paramOf(params, 'offset');
  if (offsetText !== undefined && !/^\d{1,9}$/.test(offsetText)) {
    throw new JobsParameterError('offset', 'must be an integer of 0 or more');
  }
  const offset = offsetText === undefined ? 0 : Number(offsetText);
  const status = paramOf(params, 'status');
  if (status !== undefined && !(DOCUMENTED_STATUSES as readonly string[]).includes(status)) {
    throw new JobsParameterError('status', 'must be Running, Completed or Failed');
  }
  const fromMs = timeOf(params, 'start_time') ?? nowMs - MAX_WINDOW_MS;
  const toMs = timeOf(params, 'end_time') ?? nowMs;
  if (toMs <= fromMs) throw new JobsParameterError('end_time', 'must be later than start_time');
  if (toMs - fromMs > MAX_WINDOW_MS) {
    throw new JobsParameterError('end_time', 'must be at most 30 days after start_time');
  }
  const id = paramOf(params, 'id');
  const name = paramOf(params, 'name');
  return {
    fromMs,
    toMs,
    offset,
    limit,
    ...(id === undefined ? {} : { id }),
    ...(status === undefined ? {} : { status }),
    ...(name === undefined ? {} : { name }),
  };
}

/** Applies the filters to listed tasks (already windowed, newest first) and cuts the page. */
export function selectPage(listed: readonly ListedJob[], query: JobsQuery): JobsPageBody {
  const matching = listed
    .filter(({ startMs }) => startMs >= query.fromMs && startMs <= query.toMs)
    .filter(({ job }) => query.id === undefined || job.id === query.id)
    .filter(({ job }) => query.status === undefined || job.status === query.status)
    .filter(({ job }) => query.name === undefined || job.name === query.name)
    .map(({ job }) => job);
  return {
    total_count: matching.length,
    jobs: matching.slice(query.offset, query.offset + query.limit),
  };
}
