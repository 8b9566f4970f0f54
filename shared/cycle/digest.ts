import { isTerminalStatus, type Job } from '../job';
import type { JobDigest, StoredJob } from '../store/task-store';
import type { JobState } from '../transition';

/**
 * Most bytes the digest may take on the cursor item (about 2,500 open jobs with 36-character ids),
 * leaving room in DynamoDB's 400 KB for the pending set and the rest. Past it the oldest entries go:
 * their jobs are still followed, through the running scan and item reads (slower, costlier polls).
 */
export const DIGEST_BYTES = 250_000;

/** A job's start in epoch ms (whole seconds); 0 when the time cannot be read. */
export function startMsOf(job: Pick<Job, 'start_time'>): number {
  const ms = Date.parse(job.start_time);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) * 1000 : 0;
}

/** The digest entry of a job state at `version`, in its status since `sinceMs`. */
export function digestOf(state: JobState, version: number, sinceMs: number): JobDigest {
  return {
    version,
    status: state.job.status,
    progressStep: state.progressStep,
    stalledReported: state.stalledReported,
    startMs: startMsOf(state.job),
    sinceMs: Math.floor(sinceMs / 1000) * 1000,
    occurrences: state.occurrences,
  };
}

/** A stored state with the version it was read at, as the diff and the record need it. */
export type VersionedState = JobState & { readonly version: number };

/**
 * The states the diff compares fetched jobs against: a job item's where the poll read one, else the
 * digest's. The diff reads only a stored job's status, progress step, stall flag and occurrences, so
 * the fetched copy stands in for the rest of a job the digest knows.
 */
export function previousStates(
  digest: ReadonlyMap<string, JobDigest>,
  fetched: ReadonlyMap<string, Job>,
  stored: ReadonlyMap<string, StoredJob>,
): Map<string, VersionedState> {
  const states = new Map<string, VersionedState>(stored);
  for (const [id, job] of fetched) {
    const entry = digest.get(id);
    if (entry === undefined || states.has(id)) continue;
    states.set(id, {
      job: { ...job, status: entry.status },
      progressStep: entry.progressStep,
      stalledReported: entry.stalledReported,
      occurrences: entry.occurrences,
      version: entry.version,
    });
  }
  return states;
}

/**
 * The digest the next poll needs: every open job, and finished jobs that started in the new-jobs
 * scan's reach (so a scan listing them again finds them known). Jobs older than the API's window
 * go. Past {@link DIGEST_BYTES} the finished, then the oldest, entries go; `truncated` says so.
 */
export function boundDigest(
  jobs: ReadonlyMap<string, JobDigest>,
  keepFinishedFromMs: number,
  windowStartMs: number,
): { readonly jobs: Map<string, JobDigest>; readonly truncated: number } {
  const kept = [...jobs].filter(
    ([, entry]) =>
      entry.startMs >= windowStartMs &&
      (!isTerminalStatus(entry.status) || entry.startMs >= keepFinishedFromMs),
  );
  let bytes = 0;
  for (const entry of kept) bytes += entryBytes(entry);
  if (bytes <= DIGEST_BYTES) return { jobs: new Map(kept), truncated: 0 };
  // Keep open jobs before finished ones, newer before older.
  kept.sort(
    ([, a], [, b]) =>
      Number(isTerminalStatus(a.status)) - Number(isTerminalStatus(b.status)) || b.startMs - a.startMs,
  );
  const bounded = new Map<string, JobDigest>();
  let used = 0;
  for (const entry of kept) {
    used += entryBytes(entry);
    if (used > DIGEST_BYTES) break;
    bounded.set(entry[0], entry[1]);
  }
  return { jobs: bounded, truncated: kept.length - bounded.size };
}

/** About what one digest entry takes on the item (id, tuple, occurrences). */
function entryBytes([id, entry]: readonly [string, JobDigest]): number {
  return id.length + entry.status.length + 40 + JSON.stringify(entry.occurrences).length;
}

/** Number of running jobs a digest knows. */
export function runningJobs(jobs: ReadonlyMap<string, JobDigest> | undefined): number {
  let count = 0;
  for (const digest of jobs?.values() ?? []) if (digest.status === 'Running') count++;
  return count;
}
