import { isDeepStrictEqual } from 'node:util';
import { durationSeconds, eventId } from '../build-event';
import type { Job } from '../job';
import { EVENT_TYPE_PREFIX, type JobEvent } from '../job-event';
import { eventSource, type Target } from '../target';
import { changeKey, type JobState, TransitionType } from '../transition';
import type { Claim, Cursor, CursorState, JobDigest, PendingJob, StoredJob } from './task-store';

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
 * One outbox entry as stored in the job item's `pending` map (keyed by event id): the
 * {@link CompactPendingEntry} tuple when it rebuilds the event exactly (always, for events the
 * watcher builds), else the whole event.
 */
export type PendingEntry = CompactPendingEntry | { readonly seq: number; readonly event: JobEvent };

/** The job item as stored (see `DynamoDbTaskStore`). */
export interface JobItem {
  readonly pk: string;
  readonly sk: string;
  readonly job: Job;
  readonly version: number;
  readonly progress_step: number | null;
  readonly stalled_reported: boolean;
  /** Transitions emitted so far, by change key; absent when none. */
  readonly occurrences?: Readonly<Record<string, number>>;
  readonly pending: Readonly<Record<string, PendingEntry>>;
  readonly updated_at: string;
  readonly expires_at?: number;
  /** The claim owner of the last record: a retried write that finds its own id landed. */
  readonly writer?: string;
  /** The event history: the last event of each type, under `h_<type>` (see {@link HistoryTuple}). */
  readonly [history: `${typeof HISTORY_ATTRIBUTE_PREFIX}${string}`]: HistoryTuple | undefined;
}

/**
 * A digest entry as stored: `[version, status, progressStep, stalledReported, startSeconds,
 * sinceSeconds, occurrences?]`, the occurrences only when the job has emitted a change.
 */
type DigestTuple =
  | readonly [number, string, number | null, boolean, number, number]
  | readonly [number, string, number | null, boolean, number, number, Readonly<Record<string, number>>];

/** The claim as stored on the cursor item. */
export interface ClaimItem {
  readonly owner: string;
  readonly until_ms: number;
}

/** The cursor item as stored (see `DynamoDbTaskStore`). */
export interface CursorItem {
  readonly revision?: number;
  /** Owner id of the last write: a retried write that finds its own id landed. */
  readonly writer?: string;
  readonly claim?: ClaimItem;
  readonly baseline_at?: number | null;
  readonly baseline_done?: boolean;
  readonly last_cycle_at?: string | null;
  readonly watermark_ms?: number | null;
  readonly running_from_ms?: number | null;
  readonly last_full_resync_ms?: number | null;
  readonly resync_from_ms?: number | null;
  readonly resync_until_ms?: number | null;
  /**
   * The digest: a list of `[job id, ...digest tuple]`, so a job id is data, never an attribute
   * name (an id such as `__proto__` is a key like any other). Earlier versions wrote a map.
   */
  readonly jobs?: readonly (readonly [string, ...DigestTuple])[] | Readonly<Record<string, DigestTuple>>;
  /** The pending set: `<expected version>:<start seconds>:<job id>` strings (a DynamoDB string set). */
  readonly pending?: ReadonlySet<string>;
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
 * exactly, else the whole event.
 */
export function encodePending(target: Target, jobId: string, event: JobEvent, seq: number): PendingEntry {
  if (!derivable(target, jobId, event)) return { seq, event };
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
  return isDeepStrictEqual(decodeEntry(target, event.id, entry, jobId), event) ? entry : { seq, event };
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
  if (entry !== null && typeof entry === 'object' && 'event' in entry) return entry.event;
  throw new UnreadablePendingEntryError(jobId, id);
}

/**
 * A job item holds a pending event in a form this version does not read: the map form written by
 * versions before the compact tuple (commit 9f35667). Says which job and event, and what to do.
 */
export class UnreadablePendingEntryError extends Error {
  override readonly name = 'UnreadablePendingEntryError';
  constructor(
    readonly jobId: string,
    readonly eventId: string,
  ) {
    super(
      `job ${jobId} holds pending event ${eventId} in a form written by a version before 9f35667; ` +
        'publish it with that version (npm run cli -- poll --once) before upgrading, or remove the entry from the item',
    );
  }
}

/** The pending events of an item, oldest first. */
export function pendingEvents(target: Target, item: Pick<JobItem, 'pending'> & { job?: Job }): JobEvent[] {
  return Object.entries(item.pending ?? {})
    .sort(([, a], [, b]) => entrySeq(a) - entrySeq(b))
    .map(([id, entry]) => decodeEntry(target, id, entry, item.job?.id));
}

/** A job item as the domain sees it. */
export function toStoredJob(target: Target, item: JobItem): StoredJob {
  return {
    job: item.job,
    progressStep: item.progress_step ?? null,
    stalledReported: item.stalled_reported ?? false,
    occurrences: item.occurrences ?? {},
    version: item.version,
    pending: pendingEvents(target, item),
  };
}

/** A cursor item as the domain sees it. A cursor without a revision has no usable state. */
export function toCursor(item: CursorItem): Cursor {
  const known = item.revision !== undefined;
  const jobs = new Map<string, JobDigest>();
  if (known) {
    const entries: [string, DigestTuple][] = Array.isArray(item.jobs)
      ? item.jobs.map(([id, ...tuple]) => [id, tuple as unknown as DigestTuple])
      : Object.entries(item.jobs ?? {});
    for (const [id, tuple] of entries) {
      const [version, status, progressStep, stalledReported, startSeconds, sinceSeconds, occurrences] = tuple;
      jobs.set(id, {
        version,
        status,
        progressStep,
        stalledReported,
        startMs: startSeconds * 1000,
        sinceMs: sinceSeconds * 1000,
        occurrences: occurrences ?? {},
      });
    }
  }
  const value = <T>(field: T | undefined): T | null => (known ? (field ?? null) : null);
  return {
    revision: item.revision ?? null,
    claim: item.claim ? { owner: item.claim.owner, untilMs: item.claim.until_ms } : null,
    baselineAt: value(item.baseline_at),
    baselineDone: known && (item.baseline_done ?? false),
    lastCycleAt: item.last_cycle_at ?? null,
    watermarkMs: value(item.watermark_ms),
    runningFromMs: value(item.running_from_ms),
    lastFullResyncMs: value(item.last_full_resync_ms),
    resyncFromMs: value(item.resync_from_ms),
    resyncUntilMs: value(item.resync_until_ms),
    jobs,
    pending: [...(item.pending ?? [])].flatMap((entry) => {
      const parsed = parsePendingEntry(entry);
      return parsed ? [parsed] : [];
    }),
  };
}

/** A pending-set entry as stored: `<expected version>:<start seconds>:<job id>`. */
export function pendingEntry(pending: PendingJob): string {
  return `${pending.expectedVersion}:${Math.floor(pending.startMs / 1000)}:${pending.jobId}`;
}

function parsePendingEntry(entry: string): PendingJob | undefined {
  const match = /^(\d+):(-?\d+):(.+)$/s.exec(entry);
  if (!match) return undefined;
  return { expectedVersion: Number(match[1]), startMs: Number(match[2]) * 1000, jobId: match[3] as string };
}

/** The claim as the cursor item stores it. */
export function claimAttribute(claim: Claim): ClaimItem {
  return { owner: claim.owner, until_ms: claim.untilMs };
}

/**
 * The attributes of a cursor item for `state` (keys, revision, writer, claim and pending set are the
 * store's).
 */
export function cursorAttributes(
  state: CursorState,
): Omit<CursorItem, 'revision' | 'writer' | 'claim' | 'pending'> {
  const jobs: (readonly [string, ...DigestTuple])[] = [];
  for (const [id, digest] of state.jobs) {
    const base = [
      digest.version,
      digest.status,
      digest.progressStep,
      digest.stalledReported,
      Math.floor(digest.startMs / 1000),
      Math.floor(digest.sinceMs / 1000),
    ] as const;
    jobs.push(Object.keys(digest.occurrences).length > 0 ? [id, ...base, digest.occurrences] : [id, ...base]);
  }
  return {
    baseline_at: state.baselineAt,
    baseline_done: state.baselineDone,
    last_cycle_at: state.lastCycleAt,
    watermark_ms: state.watermarkMs,
    running_from_ms: state.runningFromMs,
    last_full_resync_ms: state.lastFullResyncMs,
    resync_from_ms: state.resyncFromMs,
    resync_until_ms: state.resyncUntilMs,
    jobs,
  };
}

/** Prefix of the job item's history attributes: `h_<transition type>`. */
export const HISTORY_ATTRIBUTE_PREFIX = 'h_';

/**
 * The last event of one type of a job, as its history attribute keeps it:
 * `[status, progressStep, previous_status, time, progress, end_time, fail_reason, occurrence?]`
 * (the occurrence only when above 0). Every other part of the event follows from the target and the
 * job as last recorded: the id from the target, job id, type, status, progress step and occurrence
 * (see `eventId`), `duration_seconds` from the job, and the
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
  occurrence?: number,
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
  const progressStep = type === TransitionType.Progressed ? state.progressStep : null;
  // The state counts this event's change already: its occurrence is one less.
  const key = changeKey({ type: type as TransitionType, status: snapshot.status, progressStep });
  const occurrence = Math.max(0, (state.occurrences[key] ?? 1) - 1);
  const base = [
    snapshot.status,
    progressStep,
    event.data.previous_status,
    storeTime(event.time),
    snapshot.progress,
    snapshot.end_time === null ? null : storeTime(snapshot.end_time),
    snapshot.fail_reason !== null && snapshot.fail_reason === job.fail_reason ? 1 : snapshot.fail_reason,
  ] as const;
  const tuple: HistoryTuple = occurrence > 0 ? [...base, occurrence] : base;
  const rebuilt = decodeHistory(target, job, type, tuple);
  return isDeepStrictEqual(rebuilt, event)
    ? { attribute: `${HISTORY_ATTRIBUTE_PREFIX}${type}`, tuple }
    : undefined;
}

/** The event a history tuple of type `type` stands for, on the job as last recorded. */
export function decodeHistory(target: Target, job: Job, type: string, tuple: HistoryTuple): JobEvent {
  const [status, progressStep, previous, time, progress, end, reason, occurrence] = tuple;
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
    id: eventId({
      target,
      jobId: job.id,
      type: type as TransitionType,
      status,
      progressStep,
      occurrence: occurrence ?? 0,
    }),
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
