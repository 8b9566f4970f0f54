import { isDeepStrictEqual } from 'node:util';
import { durationSeconds, eventId } from '../build-event';
import type { Job } from '../job';
import { EVENT_TYPE_PREFIX, type JobEvent } from '../job-event';
import { eventSource, type Target } from '../target';
import { type JobState, TransitionType } from '../transition';
import type { Claim, Cursor, CursorState, JobDigest, StoredJob } from './task-store';

/**
 * An outbox entry in the compact form the store writes for an event of the item's own job built the
 * usual way: `[seq, type, time, previous_status, duration_seconds, name, status, start_time,
 * end_time, progress, instance id, instance name, fail_reason]`, times as epoch ms when that gives
 * the same ISO text back (else the text). Every field but the job id (the item's) is kept, so the
 * event is rebuilt exactly; it leaves room in the 1 KB item for the event history.
 */
export type CompactPendingEntry = readonly [
  seq: number,
  type: string,
  time: StoredTime,
  previousStatus: string | null,
  durationSeconds: number | null,
  name: string,
  status: string,
  startTime: StoredTime,
  endTime: StoredTime | null,
  progress: number | null,
  instanceId: string,
  instanceName: string,
  failReason: string | null,
];

/** A time as stored: epoch ms when `toISOString` gives the text back, else the text. */
export type StoredTime = number | string;

/**
 * One outbox entry as stored in the job item's `pending` map (keyed by event id). The store writes
 * the {@link CompactPendingEntry} tuple when it can; the map forms are what earlier versions wrote
 * (an event without its derivable fields) and any other event, kept whole under `event`.
 */
export type PendingEntry =
  | CompactPendingEntry
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
  /** The event history: the last event of each type, under `h_<type>` (see {@link HistoryTuple}). */
  readonly [history: `${typeof HISTORY_ATTRIBUTE_PREFIX}${string}`]: HistoryTuple | undefined;
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

/** A time as stored: epoch ms when that round-trips to the same ISO text. */
function storeTime(text: string): StoredTime {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text ? ms : text;
}

function readTime(stored: StoredTime): string {
  return typeof stored === 'number' ? new Date(stored).toISOString() : stored;
}

/** Whether an event is the target's own, for the job `jobId`, with nothing a rebuild would lose. */
function derivable(target: Target, jobId: string, event: JobEvent): boolean {
  return (
    event.type.startsWith(EVENT_TYPE_PREFIX) &&
    event.source === eventSource(target) &&
    event.subject === jobId &&
    event.data.job.id === jobId &&
    event.data.region === target.region &&
    event.data.project_id === target.projectId &&
    Object.keys(event).length === 8 &&
    Object.keys(event.data).length === 5
  );
}

/**
 * The stored form of one event of job `jobId`'s item: the compact tuple when it rebuilds the event
 * exactly, else {@link encodeEntry}'s form.
 */
export function encodePending(target: Target, jobId: string, event: JobEvent, seq: number): PendingEntry {
  if (!derivable(target, jobId, event)) return encodeEntry(target, event, seq);
  const { job } = event.data;
  const entry: CompactPendingEntry = [
    seq,
    event.type.slice(EVENT_TYPE_PREFIX.length),
    storeTime(event.time),
    event.data.previous_status,
    event.data.duration_seconds,
    job.name,
    job.status,
    storeTime(job.start_time),
    job.end_time === null ? null : storeTime(job.end_time),
    job.progress,
    job.instance.id,
    job.instance.name,
    job.fail_reason,
  ];
  return isDeepStrictEqual(decodeEntry(target, event.id, entry, jobId), event)
    ? entry
    : encodeEntry(target, event, seq);
}

function isCompact(entry: PendingEntry): entry is CompactPendingEntry {
  return Array.isArray(entry);
}

/** The seq of an outbox entry, whatever its form. */
export function entrySeq(entry: PendingEntry): number {
  return isCompact(entry) ? entry[0] : entry.seq;
}

/**
 * The event an entry stands for, exactly as it was recorded. `jobId` (the item's job) is needed
 * for the compact tuple only.
 */
export function decodeEntry(target: Target, id: string, entry: PendingEntry, jobId = ''): JobEvent {
  if (isCompact(entry)) {
    const [, type, time, previous, duration, name, status, start, end, progress, instId, instName, reason] =
      entry;
    return {
      specversion: '1.0',
      id,
      source: eventSource(target),
      type: `${EVENT_TYPE_PREFIX}${type}` as JobEvent['type'],
      subject: jobId,
      time: readTime(time),
      datacontenttype: 'application/json',
      data: {
        region: target.region,
        project_id: target.projectId,
        job: {
          id: jobId,
          name,
          status,
          start_time: readTime(start),
          end_time: end === null ? null : readTime(end),
          progress,
          instance: { id: instId, name: instName },
          fail_reason: reason,
        },
        previous_status: previous,
        duration_seconds: duration,
      },
    };
  }
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
export function pendingEvents(target: Target, item: Pick<JobItem, 'pending'> & { job?: Job }): JobEvent[] {
  return Object.entries(item.pending ?? {})
    .sort(([, a], [, b]) => entrySeq(a) - entrySeq(b))
    .map(([id, entry]) => decodeEntry(target, id, entry, item.job?.id));
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

/** Prefix of the job item's history attributes: `h_<transition type>`. */
export const HISTORY_ATTRIBUTE_PREFIX = 'h_';

/**
 * The last event of one type of a job, as its history attribute keeps it:
 * `[status, progressStep, previous_status, time, progress, end_time, fail_reason]`. Every other
 * part of the event follows from the target and the job as last recorded: the id from the target,
 * job id, type, status and progress step (see `eventId`), `duration_seconds` from the job, and the
 * job's id, name, start time and instance from the item's `job`. `fail_reason` is `1` when it was
 * the recorded job's own (the usual case: it is not stored twice), so a replay shows the job's
 * fail reason as last recorded.
 */
export type HistoryTuple = readonly [
  status: string,
  progressStep: number | null,
  previousStatus: string | null,
  time: StoredTime,
  progress: number | null,
  endTime: StoredTime | null,
  failReason: string | null | 1,
];

const TRANSITION_TYPES = new Set<string>(Object.values(TransitionType));

/**
 * The history attribute and tuple that keep `event`, recorded with `state` as the job's state; none
 * when the event cannot be rebuilt exactly from them (not the target's own, an id other than the
 * deterministic one, or a job other than the recorded one): such an event is not kept.
 */
export function encodeHistory(
  target: Target,
  state: JobState,
  event: JobEvent,
): { readonly attribute: string; readonly tuple: HistoryTuple } | undefined {
  const { job } = state;
  const type = event.type.slice(EVENT_TYPE_PREFIX.length);
  if (!derivable(target, job.id, event) || !TRANSITION_TYPES.has(type)) return undefined;
  const snapshot = event.data.job;
  const tuple: HistoryTuple = [
    snapshot.status,
    type === TransitionType.Progressed ? state.progressStep : null,
    event.data.previous_status,
    storeTime(event.time),
    snapshot.progress,
    snapshot.end_time === null ? null : storeTime(snapshot.end_time),
    snapshot.fail_reason !== null && snapshot.fail_reason === job.fail_reason ? 1 : snapshot.fail_reason,
  ];
  const rebuilt = decodeHistory(target, job, type, tuple);
  return isDeepStrictEqual(rebuilt, event)
    ? { attribute: `${HISTORY_ATTRIBUTE_PREFIX}${type}`, tuple }
    : undefined;
}

/** The event a history tuple of type `type` stands for, on the job as last recorded. */
export function decodeHistory(target: Target, job: Job, type: string, tuple: HistoryTuple): JobEvent {
  const [status, progressStep, previous, time, progress, end, reason] = tuple;
  const snapshot: Job = {
    id: job.id,
    name: job.name,
    status,
    start_time: job.start_time,
    end_time: end === null ? null : readTime(end),
    progress,
    instance: { id: job.instance.id, name: job.instance.name },
    fail_reason: reason === 1 ? job.fail_reason : reason,
  };
  return {
    specversion: '1.0',
    id: eventId({ target, jobId: job.id, type: type as TransitionType, status, progressStep }),
    source: eventSource(target),
    type: `${EVENT_TYPE_PREFIX}${type}` as JobEvent['type'],
    subject: job.id,
    time: readTime(time),
    datacontenttype: 'application/json',
    data: {
      region: target.region,
      project_id: target.projectId,
      job: snapshot,
      previous_status: previous,
      duration_seconds: durationSeconds(snapshot),
    },
  };
}

/** The events a job item's history keeps, oldest first (by time, then id). */
export function historyEvents(target: Target, item: JobItem): JobEvent[] {
  const events: JobEvent[] = [];
  for (const [attribute, value] of Object.entries(item)) {
    if (!attribute.startsWith(HISTORY_ATTRIBUTE_PREFIX) || !Array.isArray(value)) continue;
    const type = attribute.slice(HISTORY_ATTRIBUTE_PREFIX.length);
    if (TRANSITION_TYPES.has(type))
      events.push(decodeHistory(target, item.job, type, value as unknown as HistoryTuple));
  }
  return sortEvents(events);
}

/** Events by time, then id: the order replay publishes in. */
export function sortEvents(events: readonly JobEvent[]): JobEvent[] {
  return [...events].sort(
    (a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
