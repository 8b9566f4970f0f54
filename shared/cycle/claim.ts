import { randomBytes } from 'node:crypto';
import type { Cursor, PendingJob, StoredJob } from '../store/task-store';
import type { JobChange } from '../transition';
import { startMsOf, type VersionedState } from './digest';

/**
 * Most bytes the pending set may take on the cursor item (about 2,000 jobs with 36-character ids).
 * When it is full (a sink has refused events for long, or a baseline records thousands of open
 * jobs), further changes wait for room: they are detected again, and recorded by a later poll.
 */
export const PENDING_BYTES = 100_000;
/** A claim outlives the invocation's deadline by this much at most: what is in flight then lands first. */
export const CLAIM_GRACE_MS = 10_000;

/** What a poll claims: its owner id, the pending entries it adds, and the changes it may write. */
export interface ClaimPlan {
  readonly owner: string;
  /** Entries the claim write adds to the pending set, before any job is written. */
  readonly entries: readonly PendingJob[];
  /** Changes to write now; the others wait for room in the pending set. */
  readonly admitted: readonly JobChange[];
  readonly waiting: readonly JobChange[];
}

/**
 * Plans the claim: a pending entry for each change to write (expecting the version the diff read,
 * 0 for a new job), silent ones included (a poll that dies after writing leaves the next poll the
 * items to read back into its digest), and for each item read with events no entry names yet; as
 * many as the pending set has room for.
 */
export function planClaim(
  cursor: Cursor | null,
  changes: readonly JobChange[],
  previous: ReadonlyMap<string, VersionedState>,
  stored: ReadonlyMap<string, StoredJob>,
): ClaimPlan {
  const named = new Set((cursor?.pending ?? []).map((entry) => entry.jobId));
  let room = PENDING_BYTES - (cursor?.pending ?? []).reduce((sum, entry) => sum + entryBytes(entry), 0);
  const entries: PendingJob[] = [];
  const add = (entry: PendingJob): boolean => {
    if (entryBytes(entry) > room) return false;
    room -= entryBytes(entry);
    entries.push(entry);
    return true;
  };
  for (const item of stored.values()) {
    if (item.pending.length === 0 || named.has(item.job.id)) continue;
    add({ jobId: item.job.id, expectedVersion: item.version - 1, startMs: startMsOf(item.job) });
  }
  const admitted: JobChange[] = [];
  const waiting: JobChange[] = [];
  for (const change of changes) {
    const entry = {
      jobId: change.jobId,
      expectedVersion: previous.get(change.jobId)?.version ?? 0,
      startMs: startMsOf(change.next.job),
    };
    if (add(entry)) admitted.push(change);
    else waiting.push(change);
  }
  return { owner: newOwnerId(), entries, admitted, waiting };
}

/** About what one pending entry takes on the item. */
function entryBytes(entry: PendingJob): number {
  return entry.jobId.length + 16;
}

/** A claim owner id: 72 random bits in 12 characters, short because every job write carries it. */
function newOwnerId(): string {
  return randomBytes(9).toString('base64url');
}
