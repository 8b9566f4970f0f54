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
   * URL of the sub-tick queue: each tick sends its interval's sub-ticks there, delayed multiples of
   * `fastPollSeconds` (required while `WATCHER_FAST_POLL_SECONDS` is above 0).
   */
  subTickQueueUrl: 'WATCHER_SUB_TICK_QUEUE_URL',
  /** Name or ARN of the EventBridge bus events also go to (absent: no EventBridge sink). */
  eventBus: 'WATCHER_EVENT_BUS',
} as const;

/** Powertools service name: the `service` dimension of every metric and log line. */
export const SERVICE_NAME = 'geminidb-job-watcher';

/** CloudWatch namespace of the watcher's metrics. */
export const METRICS_NAMESPACE = 'GeminiDbJobWatcher';

/**
 * Metric names (EMF). None has a per-target dimension (each metric and dimension value is billed
 * monthly): a poll's own EMF document names its target in the `target` property instead, which
 * Logs Insights searches. Only the first three are emitted by every invocation; the others only
 * when they are not 0, so they are billed only for the hours something happened.
 */
export const MetricName = {
  /** Targets whose poll finished (idle, done, skipped under another claim, or not polled by a sub-tick): the heartbeat. */
  CycleSucceeded: 'CycleSucceeded',
  /** Wall time of each target's poll. */
  CycleDuration: 'CycleDuration',
  /** HTTP requests sent to the jobs API, retries included. */
  ApiRequests: 'ApiRequests',
  /** Targets whose poll threw (one per failed poll, with the target as a property). */
  TargetFailed: 'TargetFailed',
  /** Per transition type: transitions recorded. */
  Transitions: 'Transitions',
  /** Events a sink refused (they stay in the outbox). */
  PublishFailures: 'PublishFailures',
  /** Events still in the outbox after a poll. */
  PendingEvents: 'PendingEvents',
  /** Job records the API sent that do not fit the document, left out of the poll. */
  SkippedRecords: 'SkippedRecords',
  /** Jobs whose record or mark failed (retried next poll). */
  RecordFailures: 'RecordFailures',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Dimension names besides `service`. */
export const MetricDimension = {
  /** Transition type suffix (`completed`, `failed`, ...). */
  type: 'type',
} as const;

/** Property (not a dimension) of a poll's EMF document and log lines naming its target. */
export const TARGET_PROPERTY = 'target';

/** How a target is named in logs and EMF properties: `<region>/<projectId>`. */
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
