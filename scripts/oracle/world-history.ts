import type { RawJob } from '../../local/simulator/raw-job';
import type { Job } from '../../shared/job';
import { parseJobsBody } from '../../shared/jobs/response';

/** One state a job really had, as the watcher would read it, and when it was first observed. */
export interface ObservedState {
  readonly job: Job;
  /** A clock or step counter: whatever the recorder was given; never decreases. */
  readonly at: number;
}

/**
 * What really happened to the jobs of a simulated project: the distinct states of each job in
 * the order they were observed. The ground truth that chaos tests and the soak hold events against.
 */
export interface WorldHistory {
  /** Records the jobs as they stand at `at`; a job whose state did not change adds nothing. */
  observe(jobs: readonly RawJob[], at: number): void;
  /** The distinct states of a job, oldest first; empty when it was never observed. */
  states(jobId: string): readonly ObservedState[];
  /** Every job ever observed, in the order first observed. */
  jobIds(): readonly string[];
}

/** Thrown when a simulated job does not read as a jobs API job: the simulator itself is broken. */
export class UnreadableSimulatedJobError extends Error {
  override readonly name = 'UnreadableSimulatedJobError';
}

/** A simulated job normalised exactly as the jobs client normalises what the API sends. */
export function normaliseRawJob(raw: RawJob): Job {
  const parsed = parseJobsBody(JSON.stringify({ jobs: [raw], total_count: 1 }));
  const job = parsed.ok ? parsed.page.jobs[0] : undefined;
  if (!job) {
    const skipped = parsed.ok ? parsed.page.skipped[0] : undefined;
    const problem = parsed.ok ? `${skipped?.field}: ${skipped?.problem}` : parsed.problem;
    throw new UnreadableSimulatedJobError(
      `simulated job ${raw.id} is not a valid jobs API job (${problem}); fix the simulator`,
    );
  }
  return job;
}

/** An empty history; feed it with `observe` each time the world may have changed. */
export function createWorldHistory(): WorldHistory {
  const byJob = new Map<string, { lastWire: string; states: ObservedState[] }>();
  return {
    observe(jobs, at) {
      for (const raw of jobs) {
        // Compare on the wire form first: normalising is the expensive part and most jobs stand still.
        const wire = JSON.stringify(raw);
        const entry = byJob.get(raw.id);
        if (entry?.lastWire === wire) continue;
        const job = normaliseRawJob(raw);
        if (!entry) {
          byJob.set(raw.id, { lastWire: wire, states: [{ job, at }] });
          continue;
        }
        entry.lastWire = wire;
        const last = entry.states.at(-1);
        if (!last || !sameJob(last.job, job)) entry.states.push({ job, at });
      }
    },
    states: (jobId) => byJob.get(jobId)?.states ?? [],
    jobIds: () => [...byJob.keys()],
  };
}

/** True when two normalised jobs are the same state, field by field. */
export function sameJob(a: Job, b: Job): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.status === b.status &&
    a.start_time === b.start_time &&
    a.end_time === b.end_time &&
    a.progress === b.progress &&
    a.instance.id === b.instance.id &&
    a.instance.name === b.instance.name &&
    a.fail_reason === b.fail_reason
  );
}
