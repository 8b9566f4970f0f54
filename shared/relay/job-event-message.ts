import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { JobEvent } from '../job-event';
import { EVENT_TYPE_PREFIX } from '../job-event';
import { TransitionType } from '../transition';

const nullableString = z.nullable(z.string());
const nonEmptyString = () => z.string().check(z.minLength(1));

const jobSchema = z.looseObject({
  id: nonEmptyString(),
  name: z.string(),
  status: z.string(),
  start_time: z.string(),
  end_time: nullableString,
  progress: z.nullable(z.number().check(z.minimum(0), z.maximum(100))),
  instance: z.looseObject({ id: z.string(), name: z.string() }),
  fail_reason: nullableString,
});

const eventTypes = Object.values(TransitionType).map((suffix) => `${EVENT_TYPE_PREFIX}${suffix}` as const);

// Loose: CloudEvents extension attributes (`test`) and fields added by later minor versions pass.
const jobEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: nonEmptyString(),
  source: nonEmptyString(),
  type: z.enum(eventTypes as [JobEvent['type'], ...JobEvent['type'][]]),
  subject: nonEmptyString(),
  time: nonEmptyString(),
  datacontenttype: z.literal('application/json'),
  data: z.looseObject({
    region: nonEmptyString(),
    project_id: nonEmptyString(),
    job: jobSchema,
    previous_status: nullableString,
    duration_seconds: z.nullable(z.number()),
  }),
});

/** English messages, as classic zod gives them (`zod/mini` loads no locale); passed per parse. */
const ENGLISH = { error: en().localeError };

/** A message on the topic that is not a job event; retrying cannot help, so it goes to the dead-letter queue. */
export class NotAJobEventError extends Error {
  override readonly name = 'NotAJobEventError';
}

/** A job event taken from an SNS message, with the exact text it came in (what a webhook forwards and signs). */
export interface JobEventMessage {
  readonly event: JobEvent;
  readonly raw: string;
}

/** Parses and checks the event JSON of an SNS notification (`messageId` names it in errors). */
export function parseJobEventMessage(message: string, messageId: string): JobEventMessage {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new NotAJobEventError(`SNS message ${messageId} is not JSON; the relay only forwards job events`);
  }
  const parsed = jobEventSchema.safeParse(json, ENGLISH);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new NotAJobEventError(`SNS message ${messageId} is not a job event (${problems})`);
  }
  return { event: parsed.data as unknown as JobEvent, raw: message };
}
