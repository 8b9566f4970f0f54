import type { JobEvent } from '../job-event';
import type { Target } from '../target';

/** Which recorded events to list. */
export interface ListEventsOptions {
  /** Only events detected at or after this time (epoch ms). */
  readonly sinceMs?: number;
  /** Only events detected before this time (epoch ms). */
  readonly untilMs?: number;
  /** Only this job's events. */
  readonly jobId?: string;
}

/**
 * Port: the events a store recorded, rebuilt under the ids they were published with, for `replay`
 * (a subscriber that lost events gets them again; consumers drop the ones they already had by id).
 *
 * A bounded history: per job, the last event of each transition type. A rebuilt event is the one
 * recorded, except that `data.job`'s id, name, start time and instance (fixed for a task's life in
 * the jobs API) are the job's as last recorded, and so is a `fail_reason` the job still had when it
 * was recorded.
 */
export interface EventHistory {
  /** The recorded events that match, oldest first (by `time`, then id). */
  listEvents(target: Target, options?: ListEventsOptions): Promise<JobEvent[]>;
}
