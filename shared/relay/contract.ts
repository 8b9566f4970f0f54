/**
 * Names the relay function and its deployment (`infra/`) must agree on: its environment variables
 * and the metrics it emits. Constants only, so the CDK app imports them from here and never from
 * `functions/`.
 */

/** Environment variables of the relay function (never a URL or a key: those live in the secret). */
export const RELAY_ENV = {
  /** JSON array of destinations without secrets: `[{"name", "kind", "filter"?, "timeoutMs"?, "maxAttempts"?}]`. */
  destinations: 'WATCHER_RELAY_DESTINATIONS',
  /** Name or ARN of the Secrets Manager secret holding the destinations' URLs and signing keys. */
  secretId: 'WATCHER_RELAY_SECRET_ID',
  /** Seconds the secret is cached in a warm container (default 300). */
  secretMaxAgeSeconds: 'WATCHER_RELAY_SECRET_MAX_AGE_SECONDS',
} as const;

/** Keep this much of an invocation for logging and metrics: no delivery retry starts later than that. */
export const DEFAULT_RESERVE_MS = 3_000;

/** Metric names of the relay (EMF, in the watcher's namespace). */
export const RelayMetricName = {
  /** Events a destination accepted; per destination and in total. */
  Delivered: 'RelayDelivered',
  /** Events a destination did not take after the retries (the invocation goes to the DLQ); per destination and in total. */
  Failed: 'RelayFailed',
  /** Messages on the topic that are not job events (they go to the DLQ). */
  Rejected: 'RelayRejected',
} as const;
export type RelayMetricName = (typeof RelayMetricName)[keyof typeof RelayMetricName];

/** The dimension that names a destination. */
export const RELAY_DESTINATION_DIMENSION = 'destination';
