import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isTerminalStatus } from '../job';
import type { JobEvent } from '../job-event';
import { type Target, targetKey } from '../target';
import { LeaseLostError, StoreTableNotFoundError, StoreThrottledError } from './errors';
import type { EventHistory, ListEventsOptions } from './event-history';
import {
  type CursorItem,
  claimOf,
  cursorAttributes,
  encodeHistory,
  encodePending,
  type HistoryTuple,
  historyEvents,
  type JobItem,
  type PendingEntry,
  pendingEvents,
  sortEvents,
  toCursor,
  toStoredJob,
} from './item-codec';
import {
  CURSOR_SORT_KEY,
  JOB_SORT_KEY_PREFIX,
  jobSortKey,
  partitionKey,
  STATE_TTL_SECONDS,
  TableKeys,
  TTL_ATTRIBUTE,
} from './table';
import type { Claim, Cursor, CursorState, JobRecord, RecordedJob, StoredJob, TaskStore } from './task-store';
import { addStoreUsage, countInto, emptyUsage, type StoreUsage } from './usage';

export type { StoreUsage } from './usage';

/** How to reach the table. */
export interface DynamoDbTaskStoreOptions {
  readonly tableName: string;
  /** Defaults to a client from the environment (region, credentials). */
  readonly client?: DynamoDBClient;
  /** Clock (epoch ms) for `updated_at`, `pending_since` and `expires_at`; defaults to `Date.now`. */
  readonly now?: () => number;
}

/**
 * Seq numbers of outbox entries are `version * SEQ_PER_VERSION + index`: versions grow with every
 * record, so entries sort in the order they were recorded, across records.
 */
const SEQ_PER_VERSION = 1_000_000;

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/**
 * The {@link TaskStore} on one DynamoDB table, with single-item conditional writes only (so it also
 * runs on dynalite, which has no transactions).
 *
 * Items of a target share `pk = TARGET#<region>#<project_id>`:
 *
 * - Job item, `sk = JOB#<job id>`: `job` (the {@link Job} map as last recorded), `version` (number,
 *   bumped by every record, the optimistic lock), `progress_step` (number or null),
 *   `stalled_reported` (bool), `pending` (the outbox: a map from event id to an entry with its
 *   `seq`, always present, `{}` when empty; ids make marking idempotent, `seq` keeps the recording
 *   order), `pending_since` (ISO time of the oldest unmarked record, present only while `pending` is
 *   non-empty), `claim_owner` and `claim_until_ms` (the cycle publishing the outbox and until when,
 *   epoch ms), `observed_at_ms` (when the scan behind the recorded state started), `updated_at`
 *   (ISO time of the last record) and `expires_at` (TTL, epoch seconds,
 *   {@link STATE_TTL_SECONDS} after a record that left the job Completed or Failed; absent otherwise);
 *   and the event history, `h_<type>` (the last recorded event of each transition type, as a
 *   {@link HistoryTuple}, written by the record that appends it: no write of its own, at most six).
 * - Cursor item, `sk = CURSOR`: `revision` (the cursor's optimistic lock), `baseline_done`,
 *   `last_cycle_at`, `watermark_ms`, `last_full_resync_ms` and `jobs` (the digest: job id to
 *   `[version, status, progress_step, stalled_reported, start epoch seconds, pending]`); and, only
 *   while someone holds the exclusive lease, `lease_owner` and `lease_until_ms` (epoch ms).
 *
 * Marking and claiming do not bump `version`: a cycle holding version N for its diff must not lose
 * its write because an outbox entry was marked or claimed meanwhile.
 */
export class DynamoDbTaskStore implements TaskStore, EventHistory {
  private readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => number;
  private counters = emptyUsage();

  constructor(options: DynamoDbTaskStoreOptions) {
    this.tableName = options.tableName;
    this.doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.now = options.now ?? Date.now;
  }

  /** Capacity units consumed and requests sent since construction or {@link resetUsage}. */
  get usage(): StoreUsage {
    return { ...this.counters };
  }

  /** Sets the {@link usage} counters back to zero. */
  resetUsage(): void {
    this.counters = emptyUsage();
  }

  async getCursor(target: Target): Promise<Cursor | null> {
    const out = await this.call('read', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: this.key(target, CURSOR_SORT_KEY),
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return out.Item === undefined ? null : toCursor(out.Item as CursorItem);
  }

  async saveCursor(target: Target, state: CursorState, expectedRevision: number | null): Promise<boolean> {
    try {
      await this.call('write', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...this.key(target, CURSOR_SORT_KEY),
              ...cursorAttributes(state),
              revision: (expectedRevision ?? 0) + 1,
            },
            ConditionExpression:
              expectedRevision === null ? 'attribute_not_exists(#revision)' : '#revision = :expected',
            ExpressionAttributeNames: { '#revision': 'revision' },
            ...(expectedRevision === null
              ? {}
              : { ExpressionAttributeValues: { ':expected': expectedRevision } }),
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Takes the exclusive per-target lease if it is free or expired; false when another owner holds
   * it. For tools that must run alone on a target; the poll cycle does not need it.
   */
  async acquireLease(target: Target, owner: string, nowMs: number, leaseSeconds: number): Promise<boolean> {
    try {
      await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(target, CURSOR_SORT_KEY),
            UpdateExpression:
              'SET #owner = :owner, #until = :until, #baseline = if_not_exists(#baseline, :false)',
            ConditionExpression: 'attribute_not_exists(#until) OR #until <= :now OR #owner = :owner',
            ExpressionAttributeNames: {
              '#owner': 'lease_owner',
              '#until': 'lease_until_ms',
              '#baseline': 'baseline_done',
            },
            ExpressionAttributeValues: {
              ':owner': owner,
              ':until': nowMs + leaseSeconds * 1000,
              ':now': nowMs,
              ':false': false,
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Frees the lease held by `owner` and records how its work ended; LeaseLostError if it lost it. */
  async releaseLease(
    target: Target,
    owner: string,
    update: { baselineDone: boolean; lastCycleAt: string },
  ): Promise<void> {
    try {
      await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(target, CURSOR_SORT_KEY),
            UpdateExpression: 'SET #baseline = :baseline, #last = :last REMOVE #owner, #until',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: {
              '#owner': 'lease_owner',
              '#until': 'lease_until_ms',
              '#baseline': 'baseline_done',
              '#last': 'last_cycle_at',
            },
            ExpressionAttributeValues: {
              ':owner': owner,
              ':baseline': update.baselineDone,
              ':last': update.lastCycleAt,
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new LeaseLostError(targetKey(target), owner, error);
      throw error;
    }
  }

  async loadJobs(target: Target): Promise<Map<string, StoredJob>> {
    const jobs = new Map<string, StoredJob>();
    for (const item of await this.queryJobItems(target)) {
      const stored = toStoredJob(target, item);
      jobs.set(stored.job.id, stored);
    }
    return jobs;
  }

  async getJob(target: Target, jobId: string): Promise<StoredJob | null> {
    const item = await this.getJobItem(target, jobId);
    return item === undefined ? null : toStoredJob(target, item);
  }

  /** Every job item of the target: one strongly consistent Query, followed through all its pages. */
  private async queryJobItems(target: Target): Promise<JobItem[]> {
    const items: JobItem[] = [];
    let startKey: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await this.call('read', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :jobPrefix)',
            ExpressionAttributeNames: { '#pk': TableKeys.partition, '#sk': TableKeys.sort },
            ExpressionAttributeValues: { ':pk': partitionKey(target), ':jobPrefix': JOB_SORT_KEY_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      items.push(...((page.Items ?? []) as JobItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /** One job item, strongly consistent, or undefined. */
  private async getJobItem(target: Target, jobId: string): Promise<JobItem | undefined> {
    const out = await this.call('read', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: this.key(target, jobSortKey(jobId)),
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return out.Item as JobItem | undefined;
  }

  async recordJob(target: Target, record: JobRecord): Promise<RecordedJob | null> {
    const events = uniqueById(record.events);
    const version = (record.expectedVersion ?? 0) + 1;
    if (events.length >= SEQ_PER_VERSION) {
      throw new RangeError(`record.events has ${events.length} events; at most ${SEQ_PER_VERSION - 1} fit`);
    }
    const nowMs = this.now();
    const nowIso = new Date(nowMs).toISOString();
    const expiresAt = isTerminalStatus(record.state.job.status)
      ? Math.floor(nowMs / 1000) + STATE_TTL_SECONDS
      : undefined;
    const claim = events.length > 0 ? record.claim : undefined;
    const jobId = record.state.job.id;
    const entry = (event: JobEvent, index: number): PendingEntry =>
      encodePending(target, jobId, event, version * SEQ_PER_VERSION + index);
    const history = historyOf(target, record);
    try {
      if (record.expectedVersion === null) {
        await this.call('write', () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...this.key(target, jobSortKey(record.state.job.id)),
                job: record.state.job,
                version,
                progress_step: record.state.progressStep,
                stalled_reported: record.state.stalledReported,
                pending: Object.fromEntries(events.map((event, index) => [event.id, entry(event, index)])),
                ...(events.length > 0 ? { pending_since: nowIso } : {}),
                ...(claim ? { claim_owner: claim.owner, claim_until_ms: claim.untilMs } : {}),
                ...(record.observedAtMs === undefined ? {} : { observed_at_ms: record.observedAtMs }),
                updated_at: nowIso,
                ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
                ...Object.fromEntries(history),
              } satisfies JobItem,
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': TableKeys.partition },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        return { version, outbox: events, unownedPending: 0 };
      }
      const names: Record<string, string> = {
        '#job': 'job',
        '#version': 'version',
        '#step': 'progress_step',
        '#stalled': 'stalled_reported',
        '#updated': 'updated_at',
        '#ttl': TTL_ATTRIBUTE,
      };
      const values: Record<string, unknown> = {
        ':job': record.state.job,
        ':version': version,
        ':expected': record.expectedVersion,
        ':step': record.state.progressStep,
        ':stalled': record.state.stalledReported,
        ':updated': nowIso,
      };
      const sets = [
        '#job = :job',
        '#version = :version',
        '#step = :step',
        '#stalled = :stalled',
        '#updated = :updated',
      ];
      if (events.length > 0) {
        names['#pending'] = 'pending';
        names['#since'] = 'pending_since';
        values[':since'] = nowIso;
        sets.push('#since = if_not_exists(#since, :since)');
        events.forEach((event, index) => {
          names[`#e${index}`] = event.id;
          values[`:e${index}`] = entry(event, index);
          // An id still pending keeps its first entry: same id, same transition.
          sets.push(`#pending.#e${index} = if_not_exists(#pending.#e${index}, :e${index})`);
        });
      }
      history.forEach(([attribute, tuple], index) => {
        names[`#h${index}`] = attribute;
        values[`:h${index}`] = tuple;
        sets.push(`#h${index} = :h${index}`);
      });
      if (claim) {
        names['#owner'] = 'claim_owner';
        names['#until'] = 'claim_until_ms';
        values[':owner'] = claim.owner;
        values[':until'] = claim.untilMs;
        sets.push('#owner = :owner', '#until = :until');
      }
      if (record.observedAtMs !== undefined) {
        names['#observed'] = 'observed_at_ms';
        values[':observed'] = record.observedAtMs;
        sets.push('#observed = :observed');
      }
      if (expiresAt !== undefined) {
        values[':ttl'] = expiresAt;
        sets.push('#ttl = :ttl');
      }
      const remove = expiresAt === undefined ? ' REMOVE #ttl' : '';
      const out = await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(target, jobSortKey(record.state.job.id)),
            UpdateExpression: `SET ${sets.join(', ')}${remove}`,
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_OLD',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return { version, ...outboxAfter(target, out.Attributes as JobItem, events, record) };
    } catch (error) {
      if (isConditionFailed(error)) return null;
      throw error;
    }
  }

  async claimPending(target: Target, jobId: string, claim: Claim, nowMs: number): Promise<StoredJob | null> {
    try {
      const out = await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(target, jobSortKey(jobId)),
            UpdateExpression: 'SET #owner = :owner, #until = :until',
            ConditionExpression:
              'size(#pending) > :zero AND (attribute_not_exists(#until) OR #until <= :now OR #owner = :owner)',
            ExpressionAttributeNames: {
              '#pending': 'pending',
              '#owner': 'claim_owner',
              '#until': 'claim_until_ms',
            },
            ExpressionAttributeValues: {
              ':owner': claim.owner,
              ':until': claim.untilMs,
              ':now': nowMs,
              ':zero': 0,
            },
            ReturnValues: 'ALL_NEW',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return toStoredJob(target, out.Attributes as JobItem);
    } catch (error) {
      if (isConditionFailed(error)) return null;
      throw error;
    }
  }

  async releaseClaim(target: Target, jobId: string, owner: string): Promise<void> {
    try {
      await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(target, jobSortKey(jobId)),
            UpdateExpression: 'REMOVE #owner, #until',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'claim_owner', '#until': 'claim_until_ms' },
            ExpressionAttributeValues: { ':owner': owner },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  /** As the port says; with no ids it sends nothing and answers 0. */
  async markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<number> {
    const ids = [...new Set(eventIds)];
    if (ids.length === 0) return 0;
    const key = this.key(target, jobSortKey(jobId));
    const names: Record<string, string> = {
      '#pending': 'pending',
      '#since': 'pending_since',
      '#owner': 'claim_owner',
      '#until': 'claim_until_ms',
    };
    ids.forEach((id, index) => {
      names[`#i${index}`] = id;
    });
    const removeIds = ids.map((_, index) => `#pending.#i${index}`).join(', ');
    try {
      // The usual case in one write: these ids are the whole outbox, so it empties and the claim goes.
      await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `REMOVE ${removeIds}, #since, #owner, #until`,
            ConditionExpression: [
              'size(#pending) = :count',
              ...ids.map((_, index) => `attribute_exists(#pending.#i${index})`),
            ].join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':count': ids.length },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return 0;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    let remaining: JobItem;
    try {
      const out = await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `REMOVE ${removeIds}`,
            // Never create an item for an unknown job.
            ConditionExpression: 'attribute_exists(#pending)',
            ExpressionAttributeNames: { '#pending': 'pending', ...pick(names, ids) },
            ReturnValues: 'ALL_NEW',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      remaining = out.Attributes as JobItem;
    } catch (error) {
      if (isConditionFailed(error)) return 0;
      throw error;
    }
    const left = Object.keys(remaining.pending).length;
    if (left > 0 || (remaining.pending_since === undefined && claimOf(remaining) === undefined)) return left;
    try {
      await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'REMOVE #since, #owner, #until',
            // A record may have added events in between: then they stay claimed.
            ConditionExpression: 'size(#pending) = :zero',
            ExpressionAttributeNames: {
              '#pending': 'pending',
              '#since': 'pending_since',
              '#owner': 'claim_owner',
              '#until': 'claim_until_ms',
            },
            ExpressionAttributeValues: { ':zero': 0 },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    return 0;
  }

  /**
   * The recorded events of a target's jobs from its event history (the last event of each type per
   * job), oldest first (by time, then id), with the ids they were published under. One strongly
   * consistent Query of the target's jobs (one Get with `jobId`).
   */
  async listEvents(target: Target, options: ListEventsOptions = {}): Promise<JobEvent[]> {
    const items =
      options.jobId === undefined
        ? await this.queryJobItems(target)
        : [await this.getJobItem(target, options.jobId)].filter((item) => item !== undefined);
    const sinceMs = options.sinceMs ?? Number.NEGATIVE_INFINITY;
    const untilMs = options.untilMs ?? Number.POSITIVE_INFINITY;
    return sortEvents(
      items
        .flatMap((item) => historyEvents(target, item))
        .filter((event) => {
          const ms = Date.parse(event.time);
          return ms >= sinceMs && ms < untilMs;
        }),
    );
  }

  private key(target: Target, sortKey: string): { pk: string; sk: string } {
    return { pk: partitionKey(target), sk: sortKey };
  }

  /** Sends one request: counts it and its capacity, and turns SDK failures into domain errors. */
  private async call<Out extends { ConsumedCapacity?: ConsumedCapacity }>(
    kind: 'read' | 'write',
    send: () => Promise<Out>,
  ): Promise<Out> {
    let out: Out;
    try {
      out = await send();
    } catch (error) {
      // DynamoDB bills a refused conditional write (at least one unit) but reports no figure.
      this.count(kind, kind === 'write' && isConditionFailed(error) ? 1 : 0);
      throw this.translate(error);
    }
    this.count(kind, out.ConsumedCapacity?.CapacityUnits ?? 0);
    return out;
  }

  private count(kind: 'read' | 'write', units: number): void {
    countInto(this.counters, kind, units);
    addStoreUsage(kind, units);
  }

  private translate(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    if (THROTTLING_ERRORS.has(error.name)) return new StoreThrottledError(this.tableName, error);
    if (error.name === 'ResourceNotFoundException') return new StoreTableNotFoundError(this.tableName, error);
    return error;
  }
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The first event of each id: one map entry per id, and DynamoDB refuses overlapping paths. */
function uniqueById(events: readonly JobEvent[]): JobEvent[] {
  const byId = new Map<string, JobEvent>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()];
}

/**
 * What a writer owns after appending `events` to an item that looked like `old`. Its claim (set
 * with its events) covers the events already pending too, unless another cycle's claim on them is
 * still live; a write without events claims nothing, so what was pending stays unowned.
 */
function outboxAfter(
  target: Target,
  old: JobItem,
  events: readonly JobEvent[],
  record: JobRecord,
): Pick<RecordedJob, 'outbox' | 'unownedPending'> {
  const before = pendingEvents(target, old);
  const beforeIds = new Set(before.map((event) => event.id));
  const added = events.filter((event) => !beforeIds.has(event.id));
  const claim = claimOf(old);
  const claimed = events.length > 0 && record.claim !== undefined;
  const othersLive =
    claim !== undefined &&
    claim.owner !== record.claim?.owner &&
    claim.untilMs > (record.nowMs ?? Date.now());
  return claimed && !othersLive
    ? { outbox: [...before, ...added], unownedPending: 0 }
    : { outbox: added, unownedPending: before.length };
}

/** The history attributes a record writes: the last event of each type it appends. */
function historyOf(target: Target, record: JobRecord): [string, HistoryTuple][] {
  const byAttribute = new Map<string, HistoryTuple>();
  for (const event of uniqueById(record.events)) {
    const kept = encodeHistory(target, record.state, event);
    if (kept) byAttribute.set(kept.attribute, kept.tuple);
  }
  return [...byAttribute];
}

function pick(names: Record<string, string>, ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.map((_, index) => [`#i${index}`, names[`#i${index}`] as string]));
}
