import type { SkippedRecord } from '../jobs/jobs-client';
import type { Cursor } from '../store/task-store';
import type { Target } from '../target';
import type { TransitionType } from '../transition';
import { runningJobs } from './digest';
import { ScanKind } from './fetch';

/** What one poll did, for logs, metrics and the CLI. */
export interface CycleReport {
  readonly target: Target;
  /**
   * `idle`: nothing new; `done`: recorded, published or moved its cursor on; `skipped`: another
   * live poll holds the target's claim (it does the work).
   */
  readonly outcome: 'idle' | 'done' | 'skipped';
  /** The target's baseline is not done yet (its open jobs are being recorded). */
  readonly baseline: boolean;
  readonly fetchedJobs: number;
  readonly pages: number;
  readonly apiRequests: number;
  readonly recordedJobs: number;
  readonly transitions: Partial<Record<TransitionType, number>>;
  readonly published: number;
  /** Events still in the outbox after this poll (a sink refused, or time ran out). */
  readonly pendingLeft: number;
  /** One line per event a sink refused: event, job, sink and cause. */
  readonly publishErrors: readonly string[];
  /** One line per job whose record or mark failed, and per scan that failed: retried by the next polls. */
  readonly jobErrors: readonly string[];
  /** Records the API sent that do not fit the document: left out of this poll, named here. */
  readonly skippedRecords: readonly SkippedRecord[];
  /** One line per bound the target is past (digest, pending set): it is followed more slowly. */
  readonly degraded: readonly string[];
  /** The deadline ended the poll's work early; the next poll goes on from there. */
  readonly deadlineReached: boolean;
  readonly durationMs: number;
  readonly scanKind: ScanKind;
  /** Jobs of the target that are `Running` after the poll. */
  readonly runningJobs: number;
  /** DynamoDB capacity the poll consumed (`ReturnConsumedCapacity`), and its requests. */
  readonly ddbReadUnits: number;
  readonly ddbWriteUnits: number;
  readonly ddbReadRequests: number;
  readonly ddbWriteRequests: number;
}

/** A report without the figures the poll's wrapper measures. */
export type PollWork = Omit<
  CycleReport,
  'durationMs' | 'ddbReadUnits' | 'ddbWriteUnits' | 'ddbReadRequests' | 'ddbWriteRequests'
>;

/** What was fetched, as the report tells it. */
export type FetchFigures = Pick<
  PollWork,
  'target' | 'baseline' | 'scanKind' | 'fetchedJobs' | 'pages' | 'apiRequests' | 'skippedRecords'
>;

const NOTHING_DONE = {
  recordedJobs: 0,
  transitions: {},
  published: 0,
  pendingLeft: 0,
  publishErrors: [],
  jobErrors: [],
  degraded: [],
  deadlineReached: false,
} as const;

/** A poll that found nothing to write. */
export function idleWork(
  figures: FetchFigures,
  cursor: Cursor | null,
  jobErrors: readonly string[],
): PollWork {
  return { ...figures, ...NOTHING_DONE, jobErrors, outcome: 'idle', runningJobs: runningJobs(cursor?.jobs) };
}

/** A poll that left the target to another poll's live claim. */
export function skippedWork(target: Target, cursor: Cursor | null, figures?: FetchFigures): PollWork {
  return {
    target,
    baseline: !cursor?.baselineDone,
    scanKind: ScanKind.Incremental,
    fetchedJobs: 0,
    pages: 0,
    apiRequests: 0,
    skippedRecords: [],
    ...figures,
    ...NOTHING_DONE,
    outcome: 'skipped',
    runningJobs: runningJobs(cursor?.jobs),
  };
}

/** The report of a target that was not polled (another poll's claim, or no open jobs on a sub-tick). */
export function notPolledReport(target: Target, cursor: Cursor | null): CycleReport {
  return {
    ...skippedWork(target, cursor),
    durationMs: 0,
    ddbReadUnits: 0,
    ddbWriteUnits: 0,
    ddbReadRequests: 0,
    ddbWriteRequests: 0,
  };
}
