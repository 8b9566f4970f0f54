import type { JobEvent } from '../../shared/job-event';
import { type Publisher, publishEach } from '../../shared/publish/publisher';

/** A publisher that keeps what it was given, and fails on demand (a sink that is down). */
export interface CollectingPublisher extends Publisher {
  readonly events: JobEvent[];
  /** Make the next `count` events fail (default: until `recover`). */
  failNext(count?: number): void;
  recover(): void;
}

/** A real implementation of the publisher port that records events in memory. */
export function collectingPublisher(name = 'memory'): CollectingPublisher {
  const events: JobEvent[] = [];
  let failures = 0;
  return {
    name,
    events,
    failNext(count = Number.POSITIVE_INFINITY) {
      failures = count;
    },
    recover() {
      failures = 0;
    },
    publish: (batch, options) =>
      publishEach(batch, options, async (event) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error(`${name} sink is down`);
        }
        events.push(event);
      }),
  };
}
