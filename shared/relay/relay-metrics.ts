/**
 * Metric names of the relay (EMF, in the watcher's namespace) and the dimension that names a
 * destination: what the relay emits and what dashboards and alarms read. Constants only.
 */
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
