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
  /** The job's start (epoch ms, whole seconds). */
  readonly startMs: number;
  /** When the watcher recorded the job in its current status (epoch ms, whole seconds): spaces out look-ups. */
  readonly sinceMs: number;
  /** The job state's occurrences (see `JobState`), so the next event of a repeated change gets a new id. */
  readonly occurrences: Readonly<Record<string, number>>;
}

/**
 * One entry of the cursor's pending set: a job that may hold unpublished events. Added by the claim
 * before the job is written, with the version that write expects (0: a job not stored yet); removed
 * once the job's item is past that version and holds nothing pending.
 */
export interface PendingJob {
  readonly jobId: string;
  readonly expectedVersion: number;
  /** The job's start (epoch ms, whole seconds): an entry whose job left the API's window is dropped. */
  readonly startMs: number;
}

/** The claim on a target: the poll that holds it is the only one writing the target's jobs until `untilMs`. */
export interface Claim {
  readonly owner: string;
  /** Epoch ms. */
  readonly untilMs: number;
}

/** Where the full resync of the window stands. */
export interface ResyncPosition {
  /** When the last full pass ended (epoch ms); null before the first. */
  readonly lastFullResyncMs: number | null;
  /** Start of the next slice of the pass under way (epoch ms); null when no pass is under way. */
  readonly resyncFromMs: number | null;
  /** Where the pass under way ends (epoch ms): the instant it began. */
  readonly resyncUntilMs: number | null;
}

/** What a poll writes to the cursor: everything the next poll needs in one read. */
export interface CursorState extends ResyncPosition {
  /** Jobs that start after this instant (epoch ms) are announced; set by the target's first poll. */
  readonly baselineAt: number | null;
  /** The open jobs of the window are all recorded (the baseline's running scan went through). */
  readonly baselineDone: boolean;
  /** ISO 8601 UTC of the last poll that wrote the cursor (idle polls write nothing). */
  readonly lastCycleAt: string | null;
  /** Every job that started before this instant (epoch ms) was read by a complete new-jobs scan. */
  readonly watermarkMs: number | null;
  /** Start of the next running-scan slice when the window's running jobs do not fit one poll. */
  readonly runningFromMs: number | null;
  /** Open jobs, and finished ones near the watermark, by job id (bounded: see `DIGEST_BYTES`). */
  readonly jobs: ReadonlyMap<string, JobDigest>;
}

/** The cursor as read: its state, revision (the optimistic lock), claim and pending set. */
export interface Cursor extends CursorState {
  /** Bumped by every write of the cursor; null on a cursor written before revisions existed. */
  readonly revision: number | null;
  readonly claim: Claim | null;
  readonly pending: readonly PendingJob[];
}

/** What a poll writes for one changed job. */
export interface JobRecord {
  readonly state: JobState;
  /** Events to append to the job's outbox. */
  readonly events: readonly JobEvent[];
  /** The version read before diffing; null for a job not stored yet. */
  readonly expectedVersion: number | null;
  /** The claim owner writing it: a retried write that finds its own earlier success is a success. */
  readonly writer: string;
}

/** How a job write ended: written (as it now stands), or refused with the item that refused it. */
export type RecordResult =
  | { readonly written: StoredJob }
  | { readonly refused: StoredJob | null; readonly written?: undefined };

/** The condition of a cursor write. */
export interface CursorWrite {
  /** The revision the cursor must have; null: no cursor yet. */
  readonly expectedRevision: number | null;
  /** Who writes: the claim owner, or a fresh id for a write without a claim. */
  readonly owner: string;
  /** The write frees a claim `owner` holds; else it requires no live claim at `nowMs`. */
  readonly claimed: boolean;
  readonly nowMs: number;
}

/**
 * Port: where the watcher keeps job state, the per-target cursor with its claim and pending set,
 * and the outbox. Adapters use single-item conditional writes only (no transactions), and every
 * conditional write recognises its own earlier success when the SDK retries it.
 */
export interface TaskStore {
  /** The target's cursor, or null before its first poll (strongly consistent). */
  getCursor(target: Target): Promise<Cursor | null>;
  /**
   * Takes the claim and adds `pending` to the pending set (and sets `baselineAt` if unset), if the
   * revision is still `expectedRevision` and no other owner holds a claim live at `nowMs`. False
   * when another poll got there first.
   */
  claim(
    target: Target,
    claim: Claim & { readonly pending: readonly PendingJob[]; readonly baselineAt: number },
    expectedRevision: number | null,
    nowMs: number,
  ): Promise<boolean>;
  /**
   * Writes the cursor state, removes `done` from the pending set and frees the claim, under
   * `condition`. False when the condition failed (another poll took over).
   */
  saveCursor(
    target: Target,
    state: CursorState,
    done: readonly PendingJob[],
    condition: CursorWrite,
  ): Promise<boolean>;
  /** Every stored job of the target, by job id (strongly consistent). */
  loadJobs(target: Target): Promise<Map<string, StoredJob>>;
  /** One stored job, or null (strongly consistent). */
  getJob(target: Target, jobId: string): Promise<StoredJob | null>;
  /** These stored jobs, by job id; absent ids are not stored (strongly consistent). */
  getJobs(target: Target, jobIds: readonly string[]): Promise<Map<string, StoredJob>>;
  /**
   * Writes a job's new state and appends its events to the outbox, if the stored version is still
   * `expectedVersion`; refused, it returns the item as it stands.
   */
  recordJob(target: Target, record: JobRecord): Promise<RecordResult>;
  /** Removes exactly these event ids from the job's outbox. Idempotent. Returns how many are left. */
  markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<number>;
}
