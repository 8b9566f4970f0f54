/**
 * The consumer kit: what a program that receives the watcher's events needs, in one import and
 * without the AWS SDK (consumers bundle it). `parseJobEvent` opens any envelope the events arrive
 * in and checks the event against the contract; the webhook signature check verifies deliveries
 * of the relay's signed webhooks. See docs/consume.md.
 */

export type { Job } from '../job';
export type { JobEvent, JobEventData } from '../job-event';
export { EVENT_SCHEMA_VERSION, EVENT_TYPE_PREFIX } from '../job-event';
export { isTestEvent, TEST_JOB_NAME } from '../publish/format';
export {
  checkWebhookSignature,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  MIN_WEBHOOK_SECRET_CHARS,
  type RawBody,
  type SignatureCheck,
  SignatureProblem,
  type VerifyWebhookInput,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookSignatureOptionsError,
} from '../relay/webhook-signature';
export { checkJobEvent, type JobEventCheck, jobEventSchema } from './job-event-schema';
export {
  EVENTBRIDGE_SOURCE,
  JobEventEnvelope,
  JobEventParseError,
  parseJobEvent,
  parseJobEvents,
} from './parse-job-event';
