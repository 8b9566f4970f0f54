import type { JobEvent } from '../job-event';
import type { Target } from '../target';
import type { JobState } from '../transition';

/** Who may publish a job's outbox, and until when (epoch ms): a live claim keeps other cycles off. */
export interface Claim {
  readonly owner: string;
  readonly untilMs: number;
}

/** A job as stored: its state, the optimistic-lock version, and its outbox. */
export interface StoredJob extends JobState {
  /** Bumped by every recordJob; a write naming an older version is refused. */
  readonly version: number;
  /** Events recorded but not yet marked published, oldest first. */
  readonly pending: readonly JobEvent[];
  /** The cycle publishing `pending`, if one claimed it; absent when nobody did. */
  readonly claim?: Claim;
  /** When the scan that gave this state started (epoch ms); absent on items of earlier versions. */
  readonly observedAtMs?: number;
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
  /** The job item may hold unpublished events: the next cycle claims and publishes them. */
  readonly pending: boolean;
}

/** What a cycle writes to the cursor: everything the next cycle needs in one read. */
export interface CursorState {
  /** The first cycle (silent baseline or announcement) has been recorded. */
  readonly baselineDone: boolean;
  /** ISO 8601 UTC of the last cycle that wrote the cursor (idle cycles write nothing). */
  readonly lastCycleAt: string | null;
  /** Newest job start seen (epoch ms); null before any job was seen. */
  readonly watermarkMs: number | null;
  /** When the last full 30-day resync ran (epoch ms); null before the first. */
  readonly lastFullResyncMs: number | null;
  /** Jobs still open, jobs near the watermark and jobs with pending events, by job id. */
  readonly jobs: ReadonlyMap<string, JobDigest>;
}

/**
 * Per-target bookkeeping, one small item. `revision` and the digest fields are absent on a cursor
 * written by an earlier version of the watcher (the cycle then runs a full resync). The lease
 * fields belong to the exclusive lease of `DynamoDbTaskStore`, which the cycle does not use.
 */
export interface Cursor extends Partial<Omit<CursorState, 'baselineDone' | 'lastCycleAt'>> {
  readonly baselineDone: boolean;
  readonly lastCycleAt: string | null;
  /** Bumped by every saveCursor: the optimistic lock of the cursor. */
  readonly revision?: number;
  readonly leaseOwner: string | null;
  readonly leaseUntilMs: number | null;
}

/** What a cycle writes for one changed job. */
export interface JobRecord {
  readonly state: JobState;
  /** Events to append to the job's outbox. */
  readonly events: readonly JobEvent[];
  /** The version read before diffing; null for a job not stored yet. */
  readonly expectedVersion: number | null;
  /** Set on the item with the events, so that no other cycle publishes them meanwhile. */
  readonly claim?: Claim;
  /** The writer's clock (epoch ms), to tell whether a claim found on the item has expired. */
  readonly nowMs?: number;
  /** When the scan that gave `state` started (epoch ms): a later writer with an older scan backs off. */
  readonly observedAtMs?: number;
}

/** A record that went through. */
export interface RecordedJob {
  /** The job's version after the write. */
  readonly version: number;
  /**
   * The events the writer now owns and must publish, oldest first: its own, preceded by events
   * left pending earlier unless another cycle's claim on them was still live.
   */
  readonly outbox: readonly JobEvent[];
  /**
   * Events on the item the writer does not own (not in `outbox`): another live cycle's, or, after a
   * write without events, whatever was left pending. A later cycle replays them.
   */
  readonly unownedPending: number;
}

/**
 * Port: where the watcher keeps job state, the per-target cursor and the outbox.
 * Adapters use single-item conditional writes only (no transactions).
 */
export interface TaskStore {
  /** The target's cursor, or null before its first cycle (strongly consistent). */
  getCursor(target: Target): Promise<Cursor | null>;
  /**
   * Replaces the cursor if its revision is still `expectedRevision` (null: no cursor yet, or one
   * without a revision). Returns false when another cycle wrote it first (re-read and merge).
   */
  saveCursor(target: Target, state: CursorState, expectedRevision: number | null): Promise<boolean>;
  /** Every stored job of the target, by job id (strongly consistent). */
  loadJobs(target: Target): Promise<Map<string, StoredJob>>;
  /** One stored job, or null (strongly consistent). */
  getJob(target: Target, jobId: string): Promise<StoredJob | null>;
  /**
   * Writes a job's new state and appends its events to the outbox, if the stored version is
   * still `expectedVersion`. Returns null when another cycle wrote first (re-read and diff again).
   */
  recordJob(target: Target, record: JobRecord): Promise<RecordedJob | null>;
  /**
   * Claims a job's pending events for `claim.owner` if it has some and no other live claim holds
   * them; returns the job with its outbox, or null when there was nothing to claim.
   */
  claimPending(target: Target, jobId: string, claim: Claim, nowMs: number): Promise<StoredJob | null>;
  /** Drops `owner`'s claim (its cycle leaves events pending); a no-op when another owns it. */
  releaseClaim(target: Target, jobId: string, owner: string): Promise<void>;
  /**
   * Removes exactly these event ids from the job's outbox, and the claim with the last of them.
   * Idempotent. Returns how many events are still pending.
   */
  markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<number>;
}
