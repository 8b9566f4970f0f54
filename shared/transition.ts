import type { Job } from './job';

/** Kinds of transition, the suffix of the event type `com.huaweicloud.geminidb.job.<suffix>`. */
export const TransitionType = {
  Started: 'started',
  Progressed: 'progressed',
  Completed: 'completed',
  Failed: 'failed',
  StatusChanged: 'status_changed',
  Stalled: 'stalled',
} as const;
export type TransitionType = (typeof TransitionType)[keyof typeof TransitionType];

/** One detected change of one job: what the diff produces and what becomes one event. */
export interface Transition {
  readonly type: TransitionType;
  /** The job as fetched when the change was detected. */
  readonly job: Job;
  /** The status the watcher had stored, null when it had not seen the job before. */
  readonly previousStatus: string | null;
  /** For `progressed`: the step crossed (e.g. 50 for 50%); part of the event id. Null otherwise. */
  readonly progressStep: number | null;
  /**
   * How many times this job made this same change before (0 the first time); part of the event
   * id, so a job that moves Running, Suspended, Running, Suspended gets two ids for its two moves.
   */
  readonly occurrence: number;
}

/** What makes two transitions of a job "the same change": type, new status and progress step. */
export function changeKey(
  transition: Pick<Transition, 'type' | 'progressStep'> & { readonly status: string },
): string {
  return `${transition.type}|${transition.status}|${transition.progressStep ?? ''}`;
}

/**
 * What the watcher remembers of one job between cycles (besides store bookkeeping).
 * The diff reads and produces it; the store persists it.
 */
export interface JobState {
  /** The job as last recorded. */
  readonly job: Job;
  /** Highest progress step already announced (or silently passed), null if none. */
  readonly progressStep: number | null;
  /** Whether `stalled` was already emitted for this job (once per job). */
  readonly stalledReported: boolean;
  /** Transitions emitted so far, by {@link changeKey}; absent keys are 0. */
  readonly occurrences: Readonly<Record<string, number>>;
}

/** How the diff decides; read once from config. */
export interface DiffOptions {
  /** Emit `progressed` each time progress crosses a multiple of this; 0 turns it off (the default). */
  readonly progressStepPercent: number;
  /** Seconds a job may stay Running before `stalled`, by job name; `*` is the fallback. Absent: never. */
  readonly stalledAfterSeconds: Readonly<Record<string, number>>;
  /** On the first cycle of a target, announce every job instead of recording a silent baseline. */
  readonly announceBaseline: boolean;
}

/** The diff's verdict on one job: the state to record and the transitions it caused. */
export interface JobChange {
  readonly jobId: string;
  readonly next: JobState;
  readonly transitions: readonly Transition[];
}
