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
  /**
   * `true` lets destination URLs point at loopback, private and link-local addresses (local tests
   * and demos only; the stack never sets it).
   */
  allowLocalDestinations: 'WATCHER_RELAY_ALLOW_LOCAL_DESTINATIONS',
} as const;

/** Keep this much of an invocation for logging and metrics: no delivery retry starts later than that. */
export const DEFAULT_RESERVE_MS = 3_000;

/** Metric names and the destination dimension; defined beside the delivery loop that emits them. */
export { RELAY_DESTINATION_DIMENSION, RelayMetricName } from './relay-metrics';
