import { Design, type SimulationResult } from './simulate';
import { median, round } from './stats';

/** Detection latency (job change to event) of one polling design, over simulated time. */
export interface LatencyResult {
  /** Fast polling on: the sub-tick design; off: one poll per schedule tick. */
  readonly adaptive: boolean;
  readonly design: Design;
  readonly transitions: number;
  readonly medianSeconds: number;
  /** Medians of `started` (a new job: seen at the next poll) and `completed` events. */
  readonly startedMedianSeconds: number;
  readonly completedMedianSeconds: number;
  readonly p90Seconds: number;
  readonly maxSeconds: number;
  /** Cycles run, and API requests sent, per simulated hour. */
  readonly cyclesPerHour: number;
  readonly apiRequestsPerHour: number;
}

/** The p-th quantile of samples (nearest rank below), 0 for none. */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** The latency figures of one simulation run. */
export function latencyOf(result: SimulationResult): LatencyResult {
  const seconds = result.samples.map((sample) => sample.seconds);
  const of = (kind: 'started' | 'completed') =>
    result.samples.filter((sample) => sample.kind === kind).map((sample) => sample.seconds);
  const hours = result.spanMs / 3_600_000;
  return {
    adaptive: result.design !== Design.None,
    design: result.design,
    transitions: seconds.length,
    medianSeconds: round(median(seconds)),
    startedMedianSeconds: round(median(of('started'))),
    completedMedianSeconds: round(median(of('completed'))),
    p90Seconds: round(quantile(seconds, 0.9)),
    maxSeconds: round(Math.max(0, ...seconds)),
    cyclesPerHour: round(result.cycles / hours),
    apiRequestsPerHour: round(result.apiRequests / hours),
  };
}
