import * as z from 'zod/mini';
import { fieldPath } from '../issue-text';
import type { Job } from '../job';
import { printable } from '../printable';
import type { JobsPage, SkippedRecord } from './jobs-client';
import { API_TIME_EXAMPLE, parseApiTime } from './time';

const MAX_GOT_CHARS = 60;
/** Keys an object's description names before it says how many more there are. */
const MAX_GOT_KEYS = 3;

/**
 * A short rendering of an unexpected value for error messages: by its type, with a bounded
 * preview. It never walks into the value, so a record nested a million levels deep (which would make
 * `JSON.stringify` overflow the stack) or one with a million keys costs no more than a small one.
 */
function got(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (typeof value === 'string') {
    const text = JSON.stringify(value.slice(0, MAX_GOT_CHARS));
    return value.length > MAX_GOT_CHARS || text.length > MAX_GOT_CHARS
      ? `${text.slice(0, MAX_GOT_CHARS)}...`
      : text;
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? '[]' : `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if (typeof value === 'object' && value !== null) return objectPreview(value);
  const text = String(value);
  return text.length > MAX_GOT_CHARS ? `${text.slice(0, MAX_GOT_CHARS)}...` : text;
}

/** `{}`, or `an object with keys "id", "name" and more`: its first few keys, each cut short. */
function objectPreview(value: object): string {
  const keys: string[] = [];
  let more = false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (keys.length === MAX_GOT_KEYS) {
      more = true;
      break;
    }
    keys.push(JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}...` : key));
  }
  if (keys.length === 0) return '{}';
  return `an object with key${keys.length === 1 && !more ? '' : 's'} ${keys.join(', ')}${more ? ' and more' : ''}`;
}

function expected(what: string) {
  return (issue: { input?: unknown }) => `expected ${what}, got ${got(issue.input)}`;
}

/** Most characters a name or a failure reason keeps; the rest is cut (see {@link boundText}). */
export const MAX_TEXT_CHARS = 4000;
/** Most characters a status keeps: it is stored in every cursor that tracks the job. */
export const MAX_STATUS_CHARS = 64;
/** Longest job id accepted: it is part of a DynamoDB sort key (1 KB at most) and of every event. */
export const MAX_JOB_ID_CHARS = 256;

/**
 * `value` cut to its first `maxChars` characters, with a marker that says how much was cut, so no
 * stored item comes near DynamoDB's 400 KB and no message near SNS's 256 KB. A surrogate pair is
 * never split.
 */
export function boundText(value: string, maxChars = MAX_TEXT_CHARS): string {
  if (value.length <= maxChars) return value;
  const keep = /[\uD800-\uDBFF]/.test(value.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return `${value.slice(0, keep)}... [${value.length - keep} more characters cut]`;
}

/**
 * What a job id may hold: a letter or digit first, then letters, digits, `.`, `_`, `:` and `-`
 * (Huawei's ids are UUIDs and hex strings). A job id becomes a key in stored documents, a sort key
 * and a part of every event: nothing else (no `__proto__`, no markup, no terminal escape) gets there.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** True for a job id the watcher keeps; a record with another id is left out as odd data. */
export function isSafeJobId(value: string): boolean {
  return (
    value.length <= MAX_JOB_ID_CHARS &&
    JOB_ID_PATTERN.test(value) &&
    // `constructor`, `toString`...: names a plain object already answers to.
    !(value in Object.prototype)
  );
}

const SAFE_ID_TEXT = 'an id of letters, digits, ".", "_", ":" and "-" starting with a letter or digit';

const text = z.string({ error: expected('a string') });
const id = z
  .string({ error: expected('a string') })
  .check(
    z.minLength(1, { error: expected('a non-empty string') }),
    z.maxLength(MAX_JOB_ID_CHARS, { error: expected(`an id of at most ${MAX_JOB_ID_CHARS} characters`) }),
    z.refine(isSafeJobId, { error: expected(SAFE_ID_TEXT), abort: true }),
  );

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
/** Progress keeps six decimals: `Math.round(percent * PROGRESS_SCALE) / PROGRESS_SCALE`. */
const PROGRESS_SCALE = 1_000_000;

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
    // Six decimals at most: a value as small as 1e-200 is a percentage, but DynamoDB refuses
    // numbers below 1e-130, so the job's every record would fail.
    return Math.round(percent * PROGRESS_SCALE) / PROGRESS_SCALE;
  }),
);

/** `""`, null or missing mean "did not fail"; a reason is kept to {@link MAX_TEXT_CHARS}. */
const failReason = z.pipe(
  z.optional(z.union([z.string(), z.null()], { error: expected('a string') })),
  z.transform((value: string | null | undefined) =>
    value === null || value === undefined || value === '' ? null : boundText(value),
  ),
);

/** A name: any string, kept to {@link MAX_TEXT_CHARS}. */
const name = z.pipe(
  text,
  z.transform((value: string) => boundText(value)),
);

/** A status: any string (statuses nobody listed are data), kept to {@link MAX_STATUS_CHARS}. */
const status = z.pipe(
  text,
  z.transform((value: string) => boundText(value, MAX_STATUS_CHARS)),
);

const instance = z.object(
  { id: name, name },
  { error: expected('an object like {"id": "...", "name": "..."}') },
);

/**
 * Zod schema of one job record, normalising it to {@link Job}: times to ISO 8601 UTC, `progress`
 * to a number or null, empty strings to null, long strings cut (see {@link boundText}). Unknown
 * job names and statuses are data and pass through; extra fields are dropped. Written with
 * `zod/mini`, which tree-shakes: the Lambda bundle carries only the validators used here.
 */
export const jobRecordSchema = z.object(
  {
    id,
    name,
    status,
    start_time: time,
    end_time: endTime,
    progress,
    instance,
    fail_reason: failReason,
  },
  { error: expected('a job object') },
);

/**
 * The page around the records: `jobs` must be an array and `total_count` a count, or the body is
 * not the jobs document at all. Each record is checked on its own (see {@link parseJobsBody}).
 */
const pageSchema = z.object(
  {
    jobs: z.array(z.unknown(), { error: expected('an array of jobs') }),
    total_count: z
      .int({ error: expected('an integer >= 0') })
      .check(z.minimum(0, { error: expected('an integer >= 0') })),
  },
  { error: expected('a JSON object like {"jobs": [...], "total_count": 0}') },
);

/** Outcome of reading a body: a page, or a one-line description of what was wrong. */
export type JobsBodyResult =
  | { readonly ok: true; readonly page: JobsPage }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads a success body into a {@link JobsPage}. A body that is not the jobs document (HTML, cut-off
 * JSON, no `jobs` array) is a problem: the caller decides whether it is worth another attempt. A
 * record that does not fit is left out of the page and listed in `skipped`, so that one odd job
 * cannot stop the others. Never throws.
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
  const page = pageSchema.safeParse(json);
  if (!page.success) return { ok: false, problem: describeProblem(page.error.issues) };
  const jobs: Job[] = [];
  const skipped: SkippedRecord[] = [];
  for (const record of page.data.jobs) {
    const result = jobRecordSchema.safeParse(record);
    if (result.success) {
      jobs.push(result.data);
      continue;
    }
    const [first] = result.error.issues;
    skipped.push({
      jobId: recordId(record),
      field: first && first.path.length > 0 ? fieldPath(first.path, 'body') : 'record',
      problem: first?.message ?? 'does not match the job schema',
    });
  }
  return { ok: true, page: { jobs, total_count: page.data.total_count, skipped } };
}

function describeProblem(issues: readonly z.core.$ZodIssue[]): string {
  const [first, ...rest] = issues;
  if (!first) return 'body does not match the jobs schema';
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  return `${fieldPath(first.path, 'body')}: ${first.message}${more}`;
}

/** A record's id when it has a usable one, for the warning line and to tell the record apart. */
function recordId(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const value = (record as { id?: unknown }).id;
  return typeof value === 'string' && isSafeJobId(value) ? value : null;
}

/**
 * The one warning line for a record left out of a cycle: target, job id if any, field, and what
 * was wrong with the value cut short, control characters removed (see {@link printable}). The CLI
 * prints it on stderr, the Lambda logs it.
 */
export function skippedRecordLine(target: string, record: SkippedRecord): string {
  const which = record.jobId === null ? 'a job record without a usable id' : `job ${record.jobId}`;
  return printable(
    `target ${target}: left out ${which}: ${record.field}: ${record.problem} (it does not fit the jobs API document; the other jobs go on)`,
  );
}
