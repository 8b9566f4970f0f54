import type { JobsCallOptions } from '../jobs/jobs-client';

/**
 * A poll's time: the clock, and the instant its work must be over (the invocation's deadline).
 * Every step asks it before it starts something, so a slow or throttled API makes a poll do less,
 * never run past its deadline.
 */
export interface TimeBudget {
  /** Epoch ms. */
  now(): number;
  /** Milliseconds left before the deadline (Infinity without one). */
  left(): number;
  /** The deadline has passed. */
  expired(): boolean;
  /** What a jobs API call may take: what is left. */
  call(): JobsCallOptions;
  /** A budget that ends `reserveMs` before this one (at the latest): fetching leaves time to record and publish. */
  reserving(reserveMs: number): TimeBudget;
  /** The deadline (epoch ms; Infinity without one). */
  readonly deadlineMs: number;
}

/** A budget ending at `deadlineMs` (none: no limit) on the clock `now`. */
export function timeBudget(now: () => number, deadlineMs = Number.POSITIVE_INFINITY): TimeBudget {
  const left = () => deadlineMs - now();
  return {
    now,
    deadlineMs,
    left,
    expired: () => left() <= 0,
    call: () => (Number.isFinite(deadlineMs) ? { budgetMs: left() } : {}),
    reserving: (reserveMs) => timeBudget(now, deadlineMs - reserveMs),
  };
}
