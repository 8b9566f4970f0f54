import type { Target } from './target';

/**
 * Names the poll function and its deployment (`infra/`) must agree on: environment variables it
 * reads besides the watcher settings (`ENV` in shared/config.ts), the metrics it emits that the
 * alarms and the dashboard read, and the shape of the event the schedule sends. Constants and types
 * only, so the CDK app imports them from here and never from `functions/`.
 */

/** Environment variables of the poll function for its resources (never credentials). */
export const LAMBDA_ENV = {
  /** The DynamoDB table of job state, cursors and the outbox. */
  tableName: 'WATCHER_TABLE_NAME',
  /** The SNS topic events go to. */
  topicArn: 'WATCHER_TOPIC_ARN',
  /** Name or ARN of the Secrets Manager secret holding the Huawei credentials document. */
  credentialsSecretId: 'WATCHER_CREDENTIALS_SECRET_ID',
  /** Seconds the secret is cached in a warm container (default 300). */
  secretMaxAgeSeconds: 'WATCHER_SECRET_MAX_AGE_SECONDS',
  /** Stop starting targets when less than this many ms of the invocation remain (default 10 000). */
  minRemainingMs: 'WATCHER_MIN_REMAINING_MS',
  /**
   * JSON array of the endpoints the targets in an invocation event may name besides the public ones
   * of their region: the custom endpoints of the stack's targets (which travel in the schedule input).
   */
  allowedEndpoints: 'WATCHER_ALLOWED_ENDPOINTS',
  /**
   * URL of the follow-up queue: a poll that leaves jobs running sends its target's next poll there,
   * delayed `fastPollSeconds` (required while `WATCHER_FAST_POLL_SECONDS` is above 0).
   */
  followUpQueueUrl: 'WATCHER_FOLLOW_UP_QUEUE_URL',
  /** Name or ARN of the EventBridge bus events also go to (absent: no EventBridge sink). */
  eventBus: 'WATCHER_EVENT_BUS',
} as const;

/** Powertools service name: the `service` dimension of every metric and log line. */
export const SERVICE_NAME = 'geminidb-job-watcher';

/** CloudWatch namespace of the watcher's metrics. */
export const METRICS_NAMESPACE = 'GeminiDbJobWatcher';

/** Metric names (EMF). */
export const MetricName = {
  /** Targets whose cycle finished (idle, done or skipped under another cycle's lease): the heartbeat. */
  CycleSucceeded: 'CycleSucceeded',
  /** Targets whose cycle threw. Also per target. */
  TargetFailed: 'TargetFailed',
  /** Per target: wall time of the cycle. */
  CycleDuration: 'CycleDuration',
  /** Per target: HTTP requests sent to the jobs API, retries included. */
  ApiRequests: 'ApiRequests',
  /** Per transition type: transitions recorded. */
  Transitions: 'Transitions',
  /** Events a sink refused (they stay in the outbox). Also per target. */
  PublishFailures: 'PublishFailures',
  /** Per target: events still in the outbox after the cycle. */
  PendingEvents: 'PendingEvents',
  /** Job records the API sent that do not fit the document, left out of the cycle. Also per target. */
  SkippedRecords: 'SkippedRecords',
  /** Jobs whose record or mark failed (retried next cycle). Also per target. */
  RecordFailures: 'RecordFailures',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Dimension names besides `service`. */
export const MetricDimension = {
  /** `<region>/<projectId>` of a target. */
  target: 'target',
  /** Transition type suffix (`completed`, `failed`, ...). */
  type: 'type',
} as const;

/** Value of the `target` dimension. */
export function targetDimension(target: { readonly region: string; readonly projectId: string }): string {
  return `${target.region}/${target.projectId}`;
}

/**
 * What a scheduled invocation's event and a fan-out message carry: the targets to poll. The stack
 * puts them in the schedule's input (up to 256 KB) instead of the 4 KB Lambda environment.
 */
export interface TargetsPayload {
  readonly targets: readonly Target[];
}
