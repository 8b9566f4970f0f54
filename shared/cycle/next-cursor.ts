import type { Cursor, CursorState, JobDigest, PendingJob, StoredJob } from '../store/task-store';
import type { JobChange } from '../transition';
import { boundDigest, digestOf, startMsOf } from './digest';
import type { Fetched } from './fetch';
import type { Marks, Records } from './outbox';
import type { Plan } from './plan';

/** What a poll knows at its end, from which the next cursor follows. */
export interface PollOutcome {
  readonly cursor: Cursor | null;
  readonly plan: Plan;
  readonly fetched: Fetched;
  readonly records: Records;
  readonly marks: Marks;
  /** Changes not written this poll: refused, failed, deferred for time or for room in the pending set. */
  readonly unwritten: readonly JobChange[];
  /** The pending entries this poll's claim added. */
  readonly claimed: readonly PendingJob[];
  /** Jobs whose events this poll offered to the sinks. */
  readonly offered: ReadonlySet<string>;
  /** The target's baseline: the cursor's, or the one this first poll sets. */
  readonly baselineAt: number;
  readonly overlapMs: number;
}

/** The next cursor state, the pending entries it is done with, and how many digest entries did not fit. */
export interface NextCursor {
  readonly state: CursorState;
  readonly done: readonly PendingJob[];
  readonly truncated: number;
}

/**
 * The cursor the next poll starts from. Positions (watermark, running scan, resync) move on only
 * past what was written: a change left unwritten is listed again by the same scan next poll.
 */
export function nextCursor(outcome: PollOutcome): NextCursor {
  const { cursor, plan, fetched } = outcome;
  const fromNewJobs = outcome.unwritten.filter((change) => fetched.fromNewJobsScan.has(change.jobId));
  const fromOthers = outcome.unwritten.length > fromNewJobs.length;
  // Before any job starts after it, the baseline is where the new-jobs scan reaches back from.
  const watermarkMs = nextWatermark(outcome, fromNewJobs) ?? outcome.baselineAt;
  const sweptRunning = fetched.running !== null && fetched.running.untilMs >= plan.nowMs;
  let runningFromMs = cursor?.runningFromMs ?? null;
  if (fetched.running && !fromOthers) runningFromMs = sweptRunning ? null : fetched.running.untilMs;
  const digest = boundDigest(nextDigest(outcome), watermarkMs - outcome.overlapMs, plan.windowStartMs);
  return {
    state: {
      baselineAt: outcome.baselineAt,
      baselineDone: (cursor?.baselineDone ?? false) || (sweptRunning && outcome.unwritten.length === 0),
      lastCycleAt: new Date(plan.nowMs).toISOString(),
      watermarkMs,
      runningFromMs,
      ...nextResync(outcome, fromOthers),
      jobs: digest.jobs,
    },
    done: donePending(outcome),
    truncated: digest.truncated,
  };
}

/**
 * The watermark after a new-jobs scan: its slice's end when the time left cut it short, else the
 * newest start it listed; never past a new job left unwritten.
 */
function nextWatermark(outcome: PollOutcome, unwritten: readonly JobChange[]): number | null {
  const { cursor, plan, fetched } = outcome;
  let watermarkMs = cursor?.watermarkMs ?? null;
  const scan = fetched.newJobs;
  if (scan !== null) {
    if (scan.untilMs < plan.nowMs) watermarkMs = Math.max(watermarkMs ?? scan.untilMs, scan.untilMs);
    else if (scan.newestStartMs !== null)
      watermarkMs = Math.max(watermarkMs ?? scan.newestStartMs, scan.newestStartMs);
  }
  for (const change of unwritten) {
    const startMs = startMsOf(change.next.job);
    if (watermarkMs !== null && startMs < watermarkMs) watermarkMs = startMs;
  }
  return watermarkMs;
}

/** The resync position after this poll's slice: on to the next slice, or the pass done. */
function nextResync(
  outcome: PollOutcome,
  unwritten: boolean,
): Pick<CursorState, 'lastFullResyncMs' | 'resyncFromMs' | 'resyncUntilMs'> {
  const { cursor, plan, fetched } = outcome;
  const kept = {
    lastFullResyncMs: cursor?.lastFullResyncMs ?? null,
    resyncFromMs: cursor?.resyncFromMs ?? null,
    resyncUntilMs: cursor?.resyncUntilMs ?? null,
  };
  if (plan.resync === null || fetched.resync === null) return kept;
  if (unwritten) return { ...kept, resyncFromMs: plan.resync.fromMs, resyncUntilMs: plan.resync.untilMs };
  if (fetched.resync.untilMs >= plan.resync.untilMs) {
    return { lastFullResyncMs: plan.resync.untilMs, resyncFromMs: null, resyncUntilMs: null };
  }
  return { ...kept, resyncFromMs: fetched.resync.untilMs, resyncUntilMs: plan.resync.untilMs };
}

/** The digest with every item this poll read or wrote in its latest state, and gone jobs forgotten. */
function nextDigest(outcome: PollOutcome): Map<string, JobDigest> {
  const { cursor, plan, fetched, records } = outcome;
  const jobs = new Map(cursor?.jobs ?? []);
  const put = (stored: StoredJob) => {
    const id = stored.job.id;
    const before = jobs.get(id);
    const sinceMs = before?.status === stored.job.status ? before.sinceMs : plan.nowMs;
    jobs.set(id, digestOf(stored, stored.version, sinceMs));
  };
  for (const stored of fetched.stored.values()) put(stored);
  for (const stored of records.refused.values()) if (stored) put(stored);
  for (const stored of records.written.values()) put(stored);
  for (const id of fetched.gone) jobs.delete(id);
  return jobs;
}

/**
 * Pending entries this poll is done with: the job's item is past the version the entry's claim
 * expected (every write that claim allowed has happened or can no longer happen) and holds no
 * unpublished event, or the job left the API's window.
 */
function donePending(outcome: PollOutcome): PendingJob[] {
  const { cursor, plan, fetched, records, marks } = outcome;
  const itemOf = (id: string) => records.written.get(id) ?? records.refused.get(id) ?? fetched.stored.get(id);
  const left = (id: string, item: StoredJob) =>
    outcome.offered.has(id) ? (marks.pendingLeft.get(id) ?? 0) : item.pending.length;
  return [...(cursor?.pending ?? []), ...outcome.claimed].filter((entry) => {
    if (entry.startMs < plan.windowStartMs) return true;
    const item = itemOf(entry.jobId);
    return item != null && item.version > entry.expectedVersion && left(entry.jobId, item) === 0;
  });
}
