import type { JobEvent } from '../event';
import type { Target } from '../target';
import type { JobState } from '../transition';

/** A job as stored: its state, the optimistic-lock version, and its outbox. */
export interface StoredJob extends JobState {
  /** Bumped by every recordJob; a write naming an older version is refused. */
  readonly version: number;
  /** Events recorded but not yet marked published, oldest first. */
  readonly pending: readonly JobEvent[];
}

/** Per-target bookkeeping, one small item: what an idle cycle needs in one read. */
export interface Cursor {
  /** The first cycle (silent baseline or announcement) has been recorded. */
  readonly baselineDone: boolean;
  /** ISO 8601 UTC of the last cycle that finished. */
  readonly lastCycleAt: string | null;
  /** Who holds the per-target lease and until when (epoch ms); null when free. */
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
}

/**
 * Port: where the watcher keeps job state, the per-target cursor and the outbox.
 * Adapters use single-item conditional writes only (no transactions).
 */
export interface TaskStore {
  getCursor(target: Target): Promise<Cursor | null>;
  /** Takes the per-target lease if it is free or expired; false when another cycle holds it. */
  acquireLease(target: Target, owner: string, nowMs: number, leaseSeconds: number): Promise<boolean>;
  /** Frees the lease held by `owner` and records how the cycle ended. */
  releaseLease(
    target: Target,
    owner: string,
    update: { baselineDone: boolean; lastCycleAt: string },
  ): Promise<void>;
  /** Every stored job of the target, by job id (strongly consistent). */
  loadJobs(target: Target): Promise<Map<string, StoredJob>>;
  /** One stored job, or null (strongly consistent). */
  getJob(target: Target, jobId: string): Promise<StoredJob | null>;
  /**
   * Writes a job's new state and appends its events to the outbox, if the stored version is
   * still `expectedVersion`. Returns false when another cycle wrote first (re-read and diff again).
   */
  recordJob(target: Target, record: JobRecord): Promise<boolean>;
  /** Removes exactly these event ids from the job's outbox. Idempotent. */
  markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<void>;
}
