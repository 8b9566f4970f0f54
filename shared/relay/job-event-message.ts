import { z } from 'zod';
import type { JobEvent } from '../event';
import { EVENT_TYPE_PREFIX } from '../event';
import { TransitionType } from '../transition';

const nullableString = z.string().nullable();

const jobSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  start_time: z.string(),
  end_time: nullableString,
  progress: z.number().min(0).max(100).nullable(),
  instance: z.looseObject({ id: z.string(), name: z.string() }),
  fail_reason: nullableString,
});

const eventTypes = Object.values(TransitionType).map((suffix) => `${EVENT_TYPE_PREFIX}${suffix}` as const);

// Loose: CloudEvents extension attributes (`test`) and fields added by later minor versions pass.
const jobEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.enum(eventTypes as [JobEvent['type'], ...JobEvent['type'][]]),
  subject: z.string().min(1),
  time: z.string().min(1),
  datacontenttype: z.literal('application/json'),
  data: z.looseObject({
    region: z.string().min(1),
    project_id: z.string().min(1),
    job: jobSchema,
    previous_status: nullableString,
    duration_seconds: z.number().nullable(),
  }),
});

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
  const parsed = jobEventSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new NotAJobEventError(`SNS message ${messageId} is not a job event (${problems})`);
  }
  return { event: parsed.data as unknown as JobEvent, raw: message };
}
