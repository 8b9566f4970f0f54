import type { JobEvent } from '../event';

/**
 * Port: somewhere events go (SNS, console, a JSONL file, ...).
 * `publish` resolves once the sink has accepted the event and rejects otherwise;
 * the cycle then leaves the event in the outbox for the next cycle.
 */
export interface Publisher {
  /** Short name for logs and metrics, e.g. `sns`, `console`, `jsonl`. */
  readonly name: string;
  publish(event: JobEvent): Promise<void>;
  /** Flushes and releases resources (files, timers). */
  close?(): Promise<void>;
}
