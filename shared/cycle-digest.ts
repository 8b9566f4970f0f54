import { isTerminalStatus, type Job } from './job';
import type { Cursor, CursorState, JobDigest } from './store/task-store';
import type { JobState } from './transition';

/**
 * Open jobs that started up to this long before the overlap zone are covered by the incremental
 * window scan (a few pages at most); older ones are looked up by id, one request each, so a job
 * stuck for days does not drag days of history into every cycle.
 */
export const REACH_BACK_MS = 3600 * 1000;

/** A job's start in epoch ms (whole seconds); 0 when the time cannot be read. */
export function startMsOf(job: Pick<Job, 'start_time'>): number {
  const ms = Date.parse(job.start_time);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) * 1000 : 0;
}

/** The digest entry of a job state at `version`. */
export function digestOf(state: JobState, version: number, pending: boolean): JobDigest {
  return {
    version,
    status: state.job.status,
    progressStep: state.progressStep,
    stalledReported: state.stalledReported,
    startMs: startMsOf(state.job),
    pending,
  };
}

/** A stored state with the version it was read at, as the diff and the record need it. */
export type VersionedState = JobState & { readonly version: number };

/**
 * The states the diff compares fetched jobs against, taken from the digest alone. The diff reads
 * only a stored job's status, progress step and stall flag, so the fetched copy stands in for the
 * rest of the stored job.
 */
export function statesFromDigest(
  jobs: ReadonlyMap<string, JobDigest>,
  fetched: readonly Job[],
): Map<string, VersionedState> {
  const states = new Map<string, VersionedState>();
  for (const job of fetched) {
    const digest = jobs.get(job.id);
    if (digest === undefined) continue;
    states.set(job.id, {
      job: { ...job, status: digest.status },
      progressStep: digest.progressStep,
      stalledReported: digest.stalledReported,
      version: digest.version,
    });
  }
  return states;
}

/** Where an incremental cycle looks. */
export interface IncrementalPlan {
  /** Start of the one window scan (epoch ms); it ends now. */
  readonly scanStartMs: number;
  /** Jobs before the overlap zone: fetched jobs not in the digest and already finished are known. */
  readonly zoneStartMs: number;
  /** Open jobs older than the scan, looked up by id. */
  readonly lookupIds: readonly string[];
}

/**
 * Plans an incremental cycle from the cursor: scan from the watermark minus the overlap (reaching
 * back to open jobs that started shortly before), and look the older open jobs up by id.
 */
export function planIncremental(
  cursor: Pick<CursorState, 'jobs' | 'watermarkMs'>,
  windowStartMs: number,
  nowMs: number,
  overlapMs: number,
): IncrementalPlan {
  const latestStartMs = nowMs - 60_000;
  const zoneStartMs = clamp(
    cursor.watermarkMs === null ? windowStartMs : cursor.watermarkMs - overlapMs,
    windowStartMs,
    latestStartMs,
  );
  let scanStartMs = zoneStartMs;
  for (const digest of cursor.jobs.values()) {
    if (!isTerminalStatus(digest.status) && digest.startMs >= zoneStartMs - REACH_BACK_MS) {
      scanStartMs = Math.min(scanStartMs, digest.startMs);
    }
  }
  scanStartMs = Math.max(scanStartMs, windowStartMs);
  const lookupIds = [...cursor.jobs]
    .filter(([, digest]) => !isTerminalStatus(digest.status) && digest.startMs < scanStartMs)
    .filter(([, digest]) => digest.startMs >= windowStartMs)
    .map(([id]) => id);
  return { scanStartMs, zoneStartMs, lookupIds };
}

/** Whether a fetched job matters to an incremental cycle (see {@link IncrementalPlan.zoneStartMs}). */
export function mattersIncrementally(
  job: Job,
  jobs: ReadonlyMap<string, JobDigest>,
  zoneStartMs: number,
): boolean {
  return jobs.has(job.id) || !isTerminalStatus(job.status) || startMsOf(job) >= zoneStartMs;
}

/** One entry a cycle changes: as it read it (`before`) and as it leaves it (`after`, null: drop it). */
export interface DigestChange {
  readonly before: JobDigest | undefined;
  readonly after: JobDigest | null;
}

/** What a cycle changes on the cursor. */
export interface CursorChanges {
  readonly baselineDone: boolean;
  readonly watermarkMs: number | null;
  readonly lastFullResyncMs: number | null;
  readonly jobs: ReadonlyMap<string, DigestChange>;
}

/**
 * Applies a cycle's changes to a cursor, which may be newer than the one the cycle read (another
 * cycle wrote meanwhile): an entry still as the cycle read it takes the cycle's value; one changed
 * by the other cycle keeps the higher version, and on equal versions stays pending if either says
 * so (a needless check next cycle rather than a lost replay). Then entries that no longer matter
 * are pruned: finished, nothing pending, and started before the overlap zone.
 */
export function applyCursorChanges(
  base: Cursor | null,
  changes: CursorChanges,
  overlapMs: number,
  lastCycleAt: string,
): CursorState {
  const jobs = new Map<string, JobDigest>(base?.jobs ?? []);
  for (const [id, change] of changes.jobs) {
    const current = jobs.get(id);
    const merged = sameDigest(current, change.before) ? change.after : mergeDigest(current, change);
    if (merged === null) jobs.delete(id);
    else jobs.set(id, merged);
  }
  const watermarkMs = maxOrNull(base?.watermarkMs ?? null, changes.watermarkMs);
  if (watermarkMs !== null) {
    const zoneStartMs = watermarkMs - overlapMs;
    for (const [id, digest] of jobs) {
      if (isTerminalStatus(digest.status) && !digest.pending && digest.startMs < zoneStartMs) jobs.delete(id);
    }
  }
  return {
    baselineDone: (base?.baselineDone ?? false) || changes.baselineDone,
    lastCycleAt,
    watermarkMs,
    lastFullResyncMs: maxOrNull(base?.lastFullResyncMs ?? null, changes.lastFullResyncMs),
    jobs,
  };
}

/** Whether writing `next` over `base` would change anything a cycle reads (`lastCycleAt` aside). */
export function cursorChanged(base: Cursor | null, next: CursorState): boolean {
  if (base === null || base.revision === undefined || base.jobs === undefined) return true;
  if (base.baselineDone !== next.baselineDone) return true;
  if ((base.watermarkMs ?? null) !== next.watermarkMs) return true;
  if ((base.lastFullResyncMs ?? null) !== next.lastFullResyncMs) return true;
  if (base.jobs.size !== next.jobs.size) return true;
  for (const [id, digest] of next.jobs) if (!sameDigest(base.jobs.get(id), digest)) return true;
  return false;
}

/** Number of open (not finished) jobs a cursor knows. */
export function openJobs(jobs: ReadonlyMap<string, JobDigest> | undefined): number {
  let count = 0;
  for (const digest of jobs?.values() ?? []) if (!isTerminalStatus(digest.status)) count++;
  return count;
}

function mergeDigest(current: JobDigest | undefined, change: DigestChange): JobDigest | null {
  const { after, before } = change;
  if (after === null) {
    // Drop only what the other cycle did not move on or leave pending.
    if (current === undefined) return null;
    return !current.pending && current.version <= (before?.version ?? 0) ? null : current;
  }
  if (current === undefined || current.version < after.version) return after;
  if (current.version > after.version) return current;
  return { ...after, pending: after.pending || current.pending };
}

function sameDigest(a: JobDigest | undefined, b: JobDigest | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.version === b.version &&
    a.status === b.status &&
    a.progressStep === b.progressStep &&
    a.stalledReported === b.stalledReported &&
    a.startMs === b.startMs &&
    a.pending === b.pending
  );
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
