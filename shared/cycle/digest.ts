import { isRunning, isTerminalStatus, type Job } from '../job';
import type { JobDigest, StoredJob } from '../store/task-store';
import type { JobState } from '../transition';

/**
 * Running jobs that started up to this long before the overlap zone are covered by the incremental
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
    occurrences: state.occurrences,
  };
}

/**
 * Digest version of a job that a cut baseline saw but could not record: the cursor remembers its
 * state (so the resumed baseline announces what changed since, as an uncut one would) though no
 * item holds it yet. Stored versions start at 1.
 */
export const UNRECORDED_VERSION = 0;

/** The version a record of `state` must expect: null for a job no item holds yet. */
export function expectedVersionOf(state: { readonly version: number } | undefined): number | null {
  return state === undefined || state.version === UNRECORDED_VERSION ? null : state.version;
}

/** The digest entries of jobs a cut baseline left unrecorded (see {@link UNRECORDED_VERSION}). */
export function unrecordedOf(digest: ReadonlyMap<string, JobDigest>): Map<string, JobDigest> {
  return new Map([...digest].filter(([, entry]) => entry.version === UNRECORDED_VERSION));
}

/** A stored state with the version it was read at, as the diff and the record need it. */
export type VersionedState = JobState & { readonly version: number };

/**
 * The states the diff compares fetched jobs against: the digest's, and a job item's where the cycle
 * read one. The diff reads only a stored job's status, progress step, stall flag and occurrences, so
 * the fetched copy stands in for the rest of a job the digest knows.
 */
export function previousStates(
  digest: ReadonlyMap<string, JobDigest>,
  fetched: readonly Job[],
  read: ReadonlyMap<string, StoredJob>,
): Map<string, VersionedState> {
  const states = new Map<string, VersionedState>(read);
  for (const job of fetched) {
    const entry = digest.get(job.id);
    if (entry === undefined || states.has(job.id)) continue;
    states.set(job.id, {
      job: { ...job, status: entry.status },
      progressStep: entry.progressStep,
      stalledReported: entry.stalledReported,
      occurrences: entry.occurrences,
      version: entry.version,
    });
  }
  return states;
}

/** Where an incremental cycle looks. */
export interface IncrementalPlan {
  /** Start of the one window scan (epoch ms); it ends now. */
  readonly scanStartMs: number;
  /** Jobs before the overlap zone: fetched jobs not in the digest and not running are known. */
  readonly zoneStartMs: number;
  /** Running jobs older than the scan, looked up by id. */
  readonly lookupIds: readonly string[];
}

/**
 * Plans an incremental cycle from the cursor: scan from the watermark minus the overlap (reaching
 * back to running jobs that started shortly before), and look the older running jobs up by id.
 */
export function planIncremental(
  cursor: { readonly jobs: ReadonlyMap<string, JobDigest>; readonly watermarkMs: number | null },
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
    if (isRunning(digest.status) && digest.startMs >= zoneStartMs - REACH_BACK_MS) {
      scanStartMs = Math.min(scanStartMs, digest.startMs);
    }
  }
  scanStartMs = Math.max(scanStartMs, windowStartMs);
  const lookupIds = [...cursor.jobs]
    .filter(([, digest]) => isRunning(digest.status) && digest.startMs < scanStartMs)
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
  return jobs.has(job.id) || isRunning(job.status) || startMsOf(job) >= zoneStartMs;
}

/**
 * Drops the entries the next incremental cycle does not need: finished (`Completed` or `Failed`),
 * nothing pending, and started before the overlap zone of `watermarkMs`. A job in any other status
 * (`Pending`, `Suspended`, one nobody listed) can still change: its entry stays, so that a scan
 * that lists it changed (or a look-up) is diffed against it rather than dropped as known. It is
 * not looked up by id (only running jobs are) and leaves with the window at the next full resync.
 */
export function pruneDigest(
  jobs: Map<string, JobDigest>,
  watermarkMs: number | null,
  overlapMs: number,
): Map<string, JobDigest> {
  if (watermarkMs === null) return jobs;
  const zoneStartMs = watermarkMs - overlapMs;
  for (const [id, digest] of jobs) {
    if (isTerminalStatus(digest.status) && !digest.pending && digest.startMs < zoneStartMs) jobs.delete(id);
  }
  return jobs;
}

/** Number of running jobs a digest knows. */
export function runningJobs(jobs: ReadonlyMap<string, JobDigest> | undefined): number {
  let count = 0;
  for (const digest of jobs?.values() ?? []) if (isRunning(digest.status)) count++;
  return count;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
