import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { fieldPath } from '../issue-text';
import type { JobEvent } from '../job-event';
import { EVENT_TYPE_PREFIX } from '../job-event';
import { TransitionType } from '../transition';

/**
 * The event contract (DESIGN.md "The event", `shared/schema/job-event.schema.json`) in zod/mini,
 * for consumers: the same required fields, formats and type-to-status rules as the JSON Schema.
 * Loose objects: CloudEvents extension attributes (`test`) and fields added by later minor
 * versions pass through untouched.
 */

const nonEmptyString = () => z.string().check(z.minLength(1, 'must not be empty'));
// RFC 3339 like the JSON Schema's `date-time`: the watcher writes `2023-09-12T06:44:01.000Z`.
const dateTime = () => z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

const EVENT_TYPES = Object.values(TransitionType).map(
  (suffix) => `${EVENT_TYPE_PREFIX}${suffix}` as const,
) as [JobEvent['type'], ...JobEvent['type'][]];

/** The job status an event type implies; types not listed here allow any status. */
const STATUS_BY_TYPE: Readonly<Partial<Record<JobEvent['type'], string>>> = {
  [`${EVENT_TYPE_PREFIX}${TransitionType.Completed}`]: 'Completed',
  [`${EVENT_TYPE_PREFIX}${TransitionType.Failed}`]: 'Failed',
  [`${EVENT_TYPE_PREFIX}${TransitionType.Started}`]: 'Running',
  [`${EVENT_TYPE_PREFIX}${TransitionType.Progressed}`]: 'Running',
  [`${EVENT_TYPE_PREFIX}${TransitionType.Stalled}`]: 'Running',
};

const jobSchema = z.looseObject({
  id: nonEmptyString(),
  name: z.string(),
  status: z.string(),
  start_time: dateTime(),
  end_time: z.nullable(dateTime()),
  progress: z.nullable(z.number().check(z.minimum(0), z.maximum(100))),
  instance: z.looseObject({ id: z.string(), name: z.string() }),
  fail_reason: z.nullable(z.string()),
});

/** A job event as the contract defines it. */
export const jobEventSchema = z
  .looseObject({
    specversion: z.literal('1.0'),
    id: nonEmptyString(),
    source: z
      .string()
      .check(
        z.regex(/^geminidb-job-watcher\/[^/]+\/[^/]+$/, 'must be geminidb-job-watcher/<region>/<project_id>'),
      ),
    type: z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }),
    subject: nonEmptyString(),
    time: dateTime(),
    datacontenttype: z.literal('application/json'),
    data: z.looseObject({
      region: nonEmptyString(),
      project_id: nonEmptyString(),
      job: jobSchema,
      previous_status: z.nullable(z.string()),
      duration_seconds: z.nullable(z.int()),
    }),
  })
  .check(
    z.superRefine((event, context) => {
      const expected = STATUS_BY_TYPE[event.type];
      const actual = event.data.job.status;
      if (expected !== undefined && actual !== expected) {
        context.issues.push({
          code: 'custom',
          input: actual,
          path: ['data', 'job', 'status'],
          message: `must be "${expected}" for a ${event.type} event, got "${actual.slice(0, 64)}"`,
        });
      }
    }),
  );

/** English messages, as classic zod gives them (`zod/mini` loads no locale); passed per parse. */
const ENGLISH = { error: en().localeError };

/** At most this many problems are named in one message; the rest are counted. */
const MAX_PROBLEMS = 5;

/** The outcome of {@link checkJobEvent}. */
export type JobEventCheck =
  | { readonly valid: true; readonly event: JobEvent }
  | {
      readonly valid: false;
      /** One `<field path>: <problem>` per problem, e.g. `data.job.progress: Too big: expected number to be <=100`. */
      readonly problems: readonly string[];
    };

/** Checks a parsed value against the event contract without throwing. */
export function checkJobEvent(value: unknown): JobEventCheck {
  const parsed = jobEventSchema.safeParse(value, ENGLISH);
  if (parsed.success) return { valid: true, event: parsed.data as unknown as JobEvent };
  const problems = parsed.error.issues.map((issue) => `${fieldPath(issue.path, '(root)')}: ${issue.message}`);
  return {
    valid: false,
    problems:
      problems.length > MAX_PROBLEMS
        ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more`]
        : problems,
  };
}
