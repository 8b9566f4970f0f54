import * as z from 'zod/mini';
import type { Job } from '../job';
import type { JobsPage } from './jobs-client';
import { API_TIME_EXAMPLE, parseApiTime } from './time';

const MAX_GOT_CHARS = 60;

/** A short, quoted rendering of an unexpected value for error messages. */
function got(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_GOT_CHARS ? `${text.slice(0, MAX_GOT_CHARS)}...` : text;
}

function expected(what: string) {
  return (issue: { input?: unknown }) => `expected ${what}, got ${got(issue.input)}`;
}

const text = z.string({ error: expected('a string') });
const id = z
  .string({ error: expected('a string') })
  .check(z.minLength(1, { error: expected('a non-empty string') }));

/** Reports a value that has the right type but not the right shape. */
function reject(ctx: z.core.ParsePayload, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

const time = z.pipe(
  z.string({ error: expected(`a time like ${API_TIME_EXAMPLE}`) }),
  z.transform((value: string, ctx) => {
    const date = parseApiTime(value.trim());
    return date
      ? date.toISOString()
      : reject(ctx, value, `expected a time like ${API_TIME_EXAMPLE}, got ${got(value)}`);
  }),
);

/** `""`, null or missing mean "no end yet". */
const endTime = z.pipe(
  z.optional(z.union([z.string(), z.null()], { error: expected(`a time like ${API_TIME_EXAMPLE} or ""`) })),
  z.transform((value: string | null | undefined, ctx) => {
    if (value === null || value === undefined || value.trim() === '') return null;
    const date = parseApiTime(value.trim());
    return date
      ? date.toISOString()
      : reject(ctx, value, `expected a time like ${API_TIME_EXAMPLE} or "", got ${got(value)}`);
  }),
);

const PERCENT = /^(\d+(?:\.\d+)?)\s*%?$/;

/** `"60%"` -> 60; `""`, null or missing -> null; a bare number is accepted too. */
const progress = z.pipe(
  z.optional(
    z.union([z.string(), z.number(), z.null()], { error: expected('a percentage like "60%" or ""') }),
  ),
  z.transform((value: string | number | null | undefined, ctx) => {
    if (value === null || value === undefined) return null;
    let percent: number;
    if (typeof value === 'number') {
      percent = value;
    } else {
      const trimmed = value.trim();
      if (trimmed === '') return null;
      const match = PERCENT.exec(trimmed);
      percent = match ? Number(match[1]) : Number.NaN;
    }
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      return reject(ctx, value, `expected a percentage from 0% to 100% or "", got ${got(value)}`);
    }
    return percent;
  }),
);

/** `""`, null or missing mean "did not fail". */
const failReason = z.pipe(
  z.optional(z.union([z.string(), z.null()], { error: expected('a string') })),
  z.transform((value: string | null | undefined) =>
    value === null || value === undefined || value === '' ? null : value,
  ),
);

const instance = z.object(
  { id, name: text },
  { error: expected('an object like {"id": "...", "name": "..."}') },
);

const jobDetail = z.object(
  {
    id,
    name: text,
    status: text,
    start_time: time,
    end_time: endTime,
    progress,
    instance,
    fail_reason: failReason,
  },
  { error: expected('a job object') },
);

/**
 * Zod schema of a 200 answer of `GET /v3/{project_id}/jobs`, normalising each job to {@link Job}:
 * times to ISO 8601 UTC, `progress` to a number or null, empty strings to null. Unknown job names
 * and statuses are data and pass through; extra fields are dropped. Written with `zod/mini`, which
 * tree-shakes: the Lambda bundle carries only the validators used here.
 */
export const jobsResponseSchema = z.object(
  {
    jobs: z.array(jobDetail, { error: expected('an array of jobs') }),
    total_count: z
      .int({ error: expected('an integer >= 0') })
      .check(z.minimum(0, { error: expected('an integer >= 0') })),
  },
  { error: expected('a JSON object like {"jobs": [...], "total_count": 0}') },
);

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

/** Outcome of reading a body: a page, or a one-line description of what was wrong. */
export type JobsBodyResult =
  | { readonly ok: true; readonly page: JobsPage }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads a success body into a {@link JobsPage}. Never throws: the caller decides whether a bad
 * body is worth another attempt (a truncated answer may be) and builds the error with the call site.
 */
export function parseJobsBody(body: string): JobsBodyResult {
  if (body.trim() === '') return { ok: false, problem: 'body is empty' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const start = body.trimStart();
    if (start.startsWith('<')) {
      return { ok: false, problem: `body is not JSON but markup starting ${got(start)}` };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `body is not valid JSON (${reason}); it may have been cut off` };
  }
  const result = jobsResponseSchema.safeParse(json);
  if (result.success) {
    const jobs: Job[] = result.data.jobs;
    return { ok: true, page: { jobs, total_count: result.data.total_count } };
  }
  const [first, ...rest] = result.error.issues;
  if (!first) return { ok: false, problem: 'body does not match the jobs schema' };
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  return { ok: false, problem: `${issuePath(first.path)}: ${first.message}${more}` };
}
