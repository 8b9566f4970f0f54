import type { PlannedJob } from './simulate';

/** A small seeded generator, so every design sees the same jobs. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The latency scenario of issue 6: 30 jobs of 20 s to 5 min starting at random in 39 minutes. */
export function latencyPlan(): PlannedJob[] {
  const random = seeded(42);
  return Array.from({ length: 30 }, () => ({
    startOffsetMs: Math.floor(random() * 39 * 60_000),
    runMs: Math.floor(20_000 + random() * 280_000),
  }));
}

/** Minutes of one busy-or-quiet period of the running-share scenarios. */
const PERIOD_MS = 30 * 60_000;

/**
 * Jobs that keep a target busy `share` of `periods` half-hour periods: in each, one busy stretch of
 * `share` of the period (at a seeded random place; the whole period at 100 %) covered by a chain of
 * overlapping jobs of 1 to 5 minutes, the next starting before the last one ends, so that something
 * runs through the whole stretch and nothing outside it.
 */
export function runningSharePlan(share: number, periods: number, seed = 7): PlannedJob[] {
  const random = seeded(seed);
  const jobs: PlannedJob[] = [];
  let carry: number | null = null;
  for (let period = 0; period < periods; period++) {
    const busyMs = Math.round(share * PERIOD_MS);
    const startMs = period * PERIOD_MS + Math.floor(random() * (PERIOD_MS - busyMs));
    const endMs = startMs + busyMs;
    // At 100 % the stretches meet: the first job of a period starts before the last one ends.
    let at: number = carry !== null && carry >= startMs ? carry - 30_000 : startMs;
    while (at < endMs) {
      const runMs = Math.floor(60_000 + random() * 240_000);
      const last = at + runMs >= endMs;
      const jobEnd = last && share < 1 ? endMs : at + runMs;
      jobs.push({ startOffsetMs: at, runMs: jobEnd - at });
      carry = jobEnd;
      if (last) break;
      at += Math.floor(runMs * (0.4 + random() * 0.5));
    }
  }
  return jobs;
}

/** The share of `[0, spanMs)` during which at least one planned job runs. */
export function runningShareOf(plan: readonly PlannedJob[], spanMs: number): number {
  const intervals = plan
    .map((job) => [job.startOffsetMs, Math.min(spanMs, job.startOffsetMs + job.runMs)] as const)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = 0;
  for (const [start, end] of intervals) {
    const from = Math.max(start, reach);
    if (end > from) covered += end - from;
    reach = Math.max(reach, end);
  }
  return covered / spanMs;
}
