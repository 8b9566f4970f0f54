import { EVENT_TYPE_PREFIX, type JobEvent } from '../event';
import type { Job } from '../job';
import { eventSource, type Target } from '../target';
import type { Claim, Cursor, CursorState, JobDigest, StoredJob } from './task-store';

/**
 * One outbox entry as stored in the job item's `pending` map (keyed by event id). An event built the
 * usual way (source, subject and region/project derivable from the target and its job) is kept
 * without those fields, which keeps a job item with one pending event under 1 KB (one write unit);
 * any other event is kept whole under `event`.
 */
export type PendingEntry =
  | { readonly seq: number; readonly event: JobEvent }
  | {
      readonly seq: number;
      /** The transition type, the suffix after `com.huaweicloud.geminidb.job.`. */
      readonly type: string;
      readonly time: string;
      readonly job: Job;
      readonly previous_status: string | null;
      readonly duration_seconds: number | null;
    };

/** The job item as stored (see `DynamoDbTaskStore`). */
export interface JobItem {
  readonly pk: string;
  readonly sk: string;
  readonly job: Job;
  readonly version: number;
  readonly progress_step: number | null;
  readonly stalled_reported: boolean;
  readonly pending: Readonly<Record<string, PendingEntry>>;
  readonly pending_since?: string;
  readonly claim_owner?: string;
  readonly claim_until_ms?: number;
  readonly observed_at_ms?: number;
  readonly updated_at: string;
  readonly expires_at?: number;
}

/** A digest entry as stored: `[version, status, progressStep, stalledReported, startSeconds, pending]`. */
type DigestTuple = readonly [number, string, number | null, boolean, number, boolean];

/** The cursor item as stored (see `DynamoDbTaskStore`). */
export interface CursorItem {
  readonly baseline_done?: boolean;
  readonly last_cycle_at?: string | null;
  readonly lease_owner?: string;
  readonly lease_until_ms?: number;
  readonly revision?: number;
  readonly watermark_ms?: number | null;
  readonly last_full_resync_ms?: number | null;
  readonly jobs?: Readonly<Record<string, DigestTuple>>;
}

/** The stored form of one event, compact when the event can be rebuilt from the target. */
export function encodeEntry(target: Target, event: JobEvent, seq: number): PendingEntry {
  const derivable =
    event.type.startsWith(EVENT_TYPE_PREFIX) &&
    event.source === eventSource(target) &&
    event.subject === event.data.job.id &&
    event.data.region === target.region &&
    event.data.project_id === target.projectId;
  if (!derivable) return { seq, event };
  return {
    seq,
    type: event.type.slice(EVENT_TYPE_PREFIX.length),
    time: event.time,
    job: event.data.job,
    previous_status: event.data.previous_status,
    duration_seconds: event.data.duration_seconds,
  };
}

/** The event an entry stands for, exactly as it was recorded. */
export function decodeEntry(target: Target, id: string, entry: PendingEntry): JobEvent {
  if ('event' in entry) return entry.event;
  return {
    specversion: '1.0',
    id,
    source: eventSource(target),
    type: `${EVENT_TYPE_PREFIX}${entry.type}` as JobEvent['type'],
    subject: entry.job.id,
    time: entry.time,
    datacontenttype: 'application/json',
    data: {
      region: target.region,
      project_id: target.projectId,
      job: entry.job,
      previous_status: entry.previous_status,
      duration_seconds: entry.duration_seconds,
    },
  };
}

/** The pending events of an item, oldest first. */
export function pendingEvents(target: Target, item: Pick<JobItem, 'pending'>): JobEvent[] {
  return Object.entries(item.pending ?? {})
    .sort(([, a], [, b]) => a.seq - b.seq)
    .map(([id, entry]) => decodeEntry(target, id, entry));
}

/** The claim on an item, if any. */
export function claimOf(item: Pick<JobItem, 'claim_owner' | 'claim_until_ms'>): Claim | undefined {
  return item.claim_owner !== undefined && item.claim_until_ms !== undefined
    ? { owner: item.claim_owner, untilMs: item.claim_until_ms }
    : undefined;
}

/** A job item as the domain sees it. */
export function toStoredJob(target: Target, item: JobItem): StoredJob {
  const claim = claimOf(item);
  return {
    job: item.job,
    progressStep: item.progress_step ?? null,
    stalledReported: item.stalled_reported ?? false,
    version: item.version,
    pending: pendingEvents(target, item),
    ...(claim ? { claim } : {}),
    ...(item.observed_at_ms === undefined ? {} : { observedAtMs: item.observed_at_ms }),
  };
}

/** A cursor item as the domain sees it; digest fields only when the item has them. */
export function toCursor(item: CursorItem): Cursor {
  const cursor: Cursor = {
    baselineDone: item.baseline_done ?? false,
    lastCycleAt: item.last_cycle_at ?? null,
    leaseOwner: item.lease_owner ?? null,
    leaseUntilMs: item.lease_until_ms ?? null,
  };
  if (item.revision === undefined) return cursor;
  const jobs = new Map<string, JobDigest>();
  for (const [id, [version, status, progressStep, stalledReported, startSeconds, pending]] of Object.entries(
    item.jobs ?? {},
  )) {
    jobs.set(id, { version, status, progressStep, stalledReported, startMs: startSeconds * 1000, pending });
  }
  return {
    ...cursor,
    revision: item.revision,
    watermarkMs: item.watermark_ms ?? null,
    lastFullResyncMs: item.last_full_resync_ms ?? null,
    jobs,
  };
}

/** The attributes of a cursor item for `state` (keys and revision are added by the store). */
export function cursorAttributes(state: CursorState): Omit<CursorItem, 'revision'> {
  const jobs: Record<string, DigestTuple> = {};
  for (const [id, digest] of state.jobs) {
    jobs[id] = [
      digest.version,
      digest.status,
      digest.progressStep,
      digest.stalledReported,
      Math.floor(digest.startMs / 1000),
      digest.pending,
    ];
  }
  return {
    baseline_done: state.baselineDone,
    last_cycle_at: state.lastCycleAt,
    watermark_ms: state.watermarkMs,
    last_full_resync_ms: state.lastFullResyncMs,
    jobs,
  };
}
