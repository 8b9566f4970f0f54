import type { JobEvent } from '../job-event';
import type { Target } from '../target';
import type { JobState } from '../transition';

/** A job as stored: its state, the optimistic-lock version, and its outbox. */
export interface StoredJob extends JobState {
  /** Bumped by every recordJob; a write naming an older version is refused. */
  readonly version: number;
  /** Events recorded but not yet marked published, oldest first. */
  readonly pending: readonly JobEvent[];
}

/**
 * What the cursor remembers of one job: enough to tell, without reading the job item, whether a
 * fetched copy changed, and to write it with the right expected version.
 */
export interface JobDigest {
  readonly version: number;
  readonly status: string;
  readonly progressStep: number | null;
  readonly stalledReported: boolean;
  /** The job's start (epoch ms, whole seconds): where the incremental window must reach back to. */
  readonly startMs: number;
  /** The job item holds unpublished events: the next cycle reads it and publishes them. */
  readonly pending: boolean;
  /** The job state's occurrences (see `JobState`), so the next event of a repeated change gets a new id. */
  readonly occurrences: Readonly<Record<string, number>>;
}

/**
 * The per-target lease: the cycle that holds it is the only one recording and publishing the
 * target's jobs until `untilMs`, and `intent` names the jobs on which it may leave events pending,
 * so that a cycle that finds the lease expired knows which job items to read and publish (empty on
 * a full cycle, whose successor is full too and reads every job).
 */
export interface Lease {
  readonly owner: string;
  /** Epoch ms. */
  readonly untilMs: number;
  /** Job ids the holder may leave events pending on. */
  readonly intent: readonly string[];
}

/** What a cycle writes to the cursor: everything the next cycle needs in one read. */
export interface CursorState {
  /** The first cycle (silent baseline or announcement) has been recorded in full. */
  readonly baselineDone: boolean;
  /** ISO 8601 UTC of the last cycle that wrote the cursor (idle cycles write nothing). */
  readonly lastCycleAt: string | null;
  /** Newest job start seen (epoch ms); null before any job was seen. */
  readonly watermarkMs: number | null;
  /** When the last full 30-day resync ran (epoch ms); null before the first, or when one is due. */
  readonly lastFullResyncMs: number | null;
  /** Jobs not finished (any status but Completed and Failed), jobs near the watermark and jobs with pending events, by job id. */
  readonly jobs: ReadonlyMap<string, JobDigest>;
}

/**
 * The target's follow-up poll as recorded on the cursor (shared/follow-up/): the id of the one
 * delayed message that may poll the target next, and when it is due. Written only by
 * `setFollowUp`, never by the cursor writes of a cycle.
 */
export interface FollowUp {
  /** The id the scheduled message carries; a message with another id is stale. */
  readonly chain: string;
  /** Epoch ms the message becomes visible. */
  readonly dueMs: number;
}

/** The cursor as read: its state, its revision (the optimistic lock), the lease and the follow-up, if any. */
export interface Cursor extends CursorState {
  /** Bumped by every write of the cursor; null on a cursor written before revisions existed. */
  readonly revision: number | null;
  readonly lease: Lease | null;
  readonly followUp: FollowUp | null;
}

/** What a cycle writes for one changed job. */
export interface JobRecord {
  readonly state: JobState;
  /** Events to append to the job's outbox. */
  readonly events: readonly JobEvent[];
  /** The version read before diffing; null for a job not stored yet. */
  readonly expectedVersion: number | null;
}

/**
 * Port: where the watcher keeps job state, the per-target cursor with its lease, and the outbox.
 * Adapters use single-item conditional writes only (no transactions).
 */
export interface TaskStore {
  /** The target's cursor, or null before its first cycle (strongly consistent). */
  getCursor(target: Target): Promise<Cursor | null>;
  /**
   * Takes the lease and records its intent, if the cursor's revision is still `expectedRevision`
   * (null: no cursor yet) and no other owner holds a lease that is live at `nowMs`. False when
   * another cycle got there first: that cycle does the work.
   */
  takeLease(target: Target, lease: Lease, expectedRevision: number | null, nowMs: number): Promise<boolean>;
  /**
   * Writes the cursor and frees the lease. With `leaseOwner`, only while that owner still holds the
   * lease; without, only if the revision is still `expectedRevision` and no other owner holds a lease
   * live at `nowMs`. False when the condition failed (another cycle took over).
   */
  saveCursor(
    target: Target,
    state: CursorState,
    condition: {
      readonly expectedRevision: number | null;
      readonly leaseOwner?: string;
      readonly nowMs: number;
    },
  ): Promise<boolean>;
  /**
   * Records the target's next follow-up (`null` removes it), if the recorded one is still
   * `expectedChain` (null: none recorded). Touches nothing else of the cursor: not the lease, the
   * digest or the revision, so it never fails a cycle's own cursor writes. False when the condition
   * failed (another poll changed the follow-up first); a target never cycled has no cursor to record on.
   */
  setFollowUp(target: Target, next: FollowUp | null, expectedChain: string | null): Promise<boolean>;
  /** Every stored job of the target, by job id (strongly consistent). */
  loadJobs(target: Target): Promise<Map<string, StoredJob>>;
  /** One stored job, or null (strongly consistent). */
  getJob(target: Target, jobId: string): Promise<StoredJob | null>;
  /**
   * Writes a job's new state and appends its events to the outbox, if the stored version is still
   * `expectedVersion`. Returns the job as it now stands, or null when the version had moved on.
   */
  recordJob(target: Target, record: JobRecord): Promise<StoredJob | null>;
  /** Removes exactly these event ids from the job's outbox. Idempotent. Returns how many are left. */
  markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<number>;
}
