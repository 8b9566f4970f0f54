import type { Job } from './job';
import { isTerminalStatus, JobStatus } from './job';
import type { DiffOptions, JobChange, JobState, Transition } from './transition';
import { changeKey, TransitionType } from './transition';

/** What one diff looks at: the stored states of a target, one fetched window, the options and the clock. */
export interface DiffInput {
  /** What the store holds for the target, by job id. */
  readonly previous: ReadonlyMap<string, JobState>;
  /** The jobs fetched this cycle, in API order; a repeated id keeps its first occurrence. */
  readonly fetched: readonly Job[];
  readonly options: DiffOptions;
  /** The cycle's clock (epoch ms), used for `stalled`. */
  readonly nowMs: number;
  /**
   * The target's baseline (epoch ms, the API's times): a job the watcher never recorded that started
   * before it is the baseline's (recorded silently while open, left alone once finished), unless
   * `announceBaseline`; one that started at or after it is announced.
   */
  readonly baselineAt: number;
}

/**
 * Decides, without I/O, what changed between the stored job states and a fetched window:
 * the transitions to announce and the state to record for each job.
 *
 * Only jobs that need a write are returned (new job, transitions, or a changed progress step or
 * stall flag), so an idle cycle writes nothing. Jobs missing from `fetched` are left alone: a job
 * leaving the window is not a transition. Each transition carries how many times the job made the
 * same change before, so a job that moves back and forth gets a new event id for every move. The
 * result is ordered by job start time, then id, so the same input always gives the same output.
 */
export function diffJobs(input: DiffInput): JobChange[] {
  const seen = new Set<string>();
  const changes: JobChange[] = [];
  for (const job of input.fetched) {
    if (seen.has(job.id)) continue;
    seen.add(job.id);
    const stored = input.previous.get(job.id);
    const change = stored === undefined ? diffNewJob(job, input) : diffKnownJob(job, stored, input);
    if (change !== null) changes.push(change);
  }
  return changes.sort(compareChanges);
}

function diffNewJob(job: Job, input: DiffInput): JobChange | null {
  const { options } = input;
  const progressStep = progressStepOf(job, options.progressStepPercent);
  if (!options.announceBaseline && startMsForOrder(job) < input.baselineAt) {
    if (isTerminalStatus(job.status)) return null;
    return {
      jobId: job.id,
      next: { job, progressStep, stalledReported: false, occurrences: {} },
      transitions: [],
    };
  }
  const emitted = new Emitter(job, null, {});
  emitted.add(statusTransitionType(job.status, true), null);
  const stalled = isRunningPastLimit(job, options, input.nowMs);
  if (stalled) emitted.add(TransitionType.Stalled, null);
  return {
    jobId: job.id,
    next: { job, progressStep, stalledReported: stalled, occurrences: emitted.occurrences },
    transitions: emitted.transitions,
  };
}

function diffKnownJob(job: Job, stored: JobState, input: DiffInput): JobChange | null {
  const { options, nowMs } = input;
  const previousStatus = stored.job.status;
  const emitted = new Emitter(job, previousStatus, stored.occurrences);
  let progressStep = stored.progressStep;
  let stalledReported = stored.stalledReported;

  if (job.status !== previousStatus) {
    emitted.add(statusTransitionType(job.status, false), null);
    // Back into Running: count steps from where the job is now, not from an earlier run.
    if (job.status === JobStatus.Running) progressStep = progressStepOf(job, options.progressStepPercent);
  } else if (job.status === JobStatus.Running) {
    const step = progressStepOf(job, options.progressStepPercent);
    if (step !== null && step > 0 && step > (stored.progressStep ?? 0)) {
      emitted.add(TransitionType.Progressed, step);
      progressStep = step;
    } else if (step !== null && stored.progressStep !== null && step < stored.progressStep) {
      // Progress went back (the task restarted a phase): its steps count again from here.
      progressStep = step;
    }
  } else {
    // Same status, not running: nothing a consumer needs and nothing worth a write.
    return null;
  }

  if (!stalledReported && isRunningPastLimit(job, options, nowMs)) {
    emitted.add(TransitionType.Stalled, null);
    stalledReported = true;
  }

  const stateChanged = progressStep !== stored.progressStep || stalledReported !== stored.stalledReported;
  if (emitted.transitions.length === 0 && !stateChanged) return null;
  return {
    jobId: job.id,
    next: { job, progressStep, stalledReported, occurrences: emitted.occurrences },
    transitions: emitted.transitions,
  };
}

/** Collects one job's transitions, numbering each by how often the job made that change before. */
class Emitter {
  readonly transitions: Transition[] = [];
  occurrences: Readonly<Record<string, number>>;

  constructor(
    private readonly job: Job,
    private readonly previousStatus: string | null,
    occurrences: Readonly<Record<string, number>>,
  ) {
    this.occurrences = occurrences;
  }

  add(type: TransitionType, progressStep: number | null): void {
    const key = changeKey({ type, status: this.job.status, progressStep });
    const occurrence = Object.hasOwn(this.occurrences, key) ? (this.occurrences[key] ?? 0) : 0;
    this.transitions.push({
      type,
      job: this.job,
      previousStatus: this.previousStatus,
      progressStep,
      occurrence,
    });
    this.occurrences = { ...this.occurrences, [key]: occurrence + 1 };
  }
}

function statusTransitionType(status: string, isNew: boolean): TransitionType {
  switch (status) {
    case JobStatus.Running:
      return isNew ? TransitionType.Started : TransitionType.StatusChanged;
    case JobStatus.Completed:
      return TransitionType.Completed;
    case JobStatus.Failed:
      return TransitionType.Failed;
    default:
      return TransitionType.StatusChanged;
  }
}

/** The highest multiple of the step the job's progress has reached; null when steps are off or progress unknown. */
function progressStepOf(job: Job, stepPercent: number): number | null {
  if (!(Number.isFinite(stepPercent) && stepPercent > 0)) return null;
  if (job.progress === null || !Number.isFinite(job.progress)) return null;
  return Math.floor(job.progress / stepPercent) * stepPercent;
}

function isRunningPastLimit(job: Job, options: DiffOptions, nowMs: number): boolean {
  if (job.status !== JobStatus.Running) return false;
  const limitSeconds = stalledLimitSeconds(job.name, options.stalledAfterSeconds);
  if (limitSeconds === undefined) return false;
  const startMs = Date.parse(job.start_time);
  if (Number.isNaN(startMs)) return false;
  return (nowMs - startMs) / 1000 > limitSeconds;
}

function stalledLimitSeconds(name: string, limits: Readonly<Record<string, number>>): number | undefined {
  // Own properties only: a job named `constructor` must not pick up Object.prototype.
  const limit = Object.hasOwn(limits, name)
    ? limits[name]
    : Object.hasOwn(limits, '*')
      ? limits['*']
      : undefined;
  return typeof limit === 'number' && Number.isFinite(limit) ? limit : undefined;
}

function compareChanges(a: JobChange, b: JobChange): number {
  const aMs = startMsForOrder(a.next.job);
  const bMs = startMsForOrder(b.next.job);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (a.next.job.start_time !== b.next.job.start_time)
    return a.next.job.start_time < b.next.job.start_time ? -1 : 1;
  if (a.jobId === b.jobId) return 0;
  return a.jobId < b.jobId ? -1 : 1;
}

function startMsForOrder(job: Job): number {
  const ms = Date.parse(job.start_time);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}
