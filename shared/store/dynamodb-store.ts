import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { JobEvent } from '../event';
import { isTerminalStatus, type Job } from '../job';
import { type Target, targetKey } from '../target';
import { LeaseLostError, StoreTableNotFoundError, StoreThrottledError } from './errors';
import {
  CURSOR_SORT_KEY,
  JOB_SORT_KEY_PREFIX,
  jobSortKey,
  partitionKey,
  STATE_TTL_SECONDS,
  TableKeys,
  TTL_ATTRIBUTE,
} from './table';
import type { Cursor, JobRecord, StoredJob, TaskStore } from './task-store';

/** Capacity and request counters of one store instance (for benchmarks and cost estimates). */
export interface StoreUsage {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly requests: number;
}

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

/** One outbox entry as stored in the job item's `pending` map. */
interface PendingEntry {
  readonly seq: number;
  readonly event: JobEvent;
}

/** The job item as stored (see {@link DynamoDbTaskStore}). */
interface JobItem {
  readonly pk: string;
  readonly sk: string;
  readonly job: Job;
  readonly version: number;
  readonly progress_step: number | null;
  readonly stalled_reported: boolean;
  readonly pending: Readonly<Record<string, PendingEntry>>;
  readonly pending_since?: string;
  readonly updated_at: string;
  readonly expires_at?: number;
}

/** The cursor item as stored (see {@link DynamoDbTaskStore}). */
interface CursorItem {
  readonly baseline_done?: boolean;
  readonly last_cycle_at?: string | null;
  readonly lease_owner?: string;
  readonly lease_until_ms?: number;
}

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
 *   `stalled_reported` (bool), `pending` (the outbox: a map from event id to
 *   `{ seq, event }`, always present, `{}` when empty; ids make marking idempotent, `seq` keeps the
 *   recording order), `pending_since` (ISO time of the oldest unmarked record, present only while
 *   `pending` is non-empty: a ready key for a sparse index), `updated_at` (ISO time of the last
 *   record) and `expires_at` (TTL, epoch seconds, {@link STATE_TTL_SECONDS} after a record that left
 *   the job Completed or Failed; absent otherwise).
 * - Cursor item, `sk = CURSOR`: `baseline_done`, `last_cycle_at`, and while a cycle runs,
 *   `lease_owner` and `lease_until_ms` (epoch ms).
 *
 * Marking events published does not bump `version`: a cycle holding version N for its diff must not
 * lose its write because an earlier outbox entry was marked meanwhile.
 */
export class DynamoDbTaskStore implements TaskStore {
  private readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => number;
  private counters = { readUnits: 0, writeUnits: 0, requests: 0 };

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
    this.counters = { readUnits: 0, writeUnits: 0, requests: 0 };
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
    if (out.Item === undefined) return null;
    const item = out.Item as CursorItem;
    return {
      baselineDone: item.baseline_done ?? false,
      lastCycleAt: item.last_cycle_at ?? null,
      leaseOwner: item.lease_owner ?? null,
      leaseUntilMs: item.lease_until_ms ?? null,
    };
  }

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
      for (const item of page.Items ?? []) {
        const stored = toStoredJob(item as JobItem);
        jobs.set(stored.job.id, stored);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return jobs;
  }

  async getJob(target: Target, jobId: string): Promise<StoredJob | null> {
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
    return out.Item === undefined ? null : toStoredJob(out.Item as JobItem);
  }

  async recordJob(target: Target, record: JobRecord): Promise<boolean> {
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
    const entry = (event: JobEvent, index: number): PendingEntry => ({
      seq: version * SEQ_PER_VERSION + index,
      event,
    });
    try {
      if (record.expectedVersion === null) {
        const item: JobItem = {
          ...this.key(target, jobSortKey(record.state.job.id)),
          job: record.state.job,
          version,
          progress_step: record.state.progressStep,
          stalled_reported: record.state.stalledReported,
          pending: Object.fromEntries(events.map((event, index) => [event.id, entry(event, index)])),
          ...(events.length > 0 ? { pending_since: nowIso } : {}),
          updated_at: nowIso,
          ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
        };
        await this.call('write', () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': TableKeys.partition },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
      } else {
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
        if (expiresAt !== undefined) {
          values[':ttl'] = expiresAt;
          sets.push('#ttl = :ttl');
        }
        const remove = expiresAt === undefined ? ' REMOVE #ttl' : '';
        await this.call('write', () =>
          this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: this.key(target, jobSortKey(record.state.job.id)),
              UpdateExpression: `SET ${sets.join(', ')}${remove}`,
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
      }
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<void> {
    const ids = [...new Set(eventIds)];
    if (ids.length === 0) return;
    const key = this.key(target, jobSortKey(jobId));
    const names: Record<string, string> = { '#pending': 'pending' };
    ids.forEach((id, index) => {
      names[`#i${index}`] = id;
    });
    let remaining: JobItem;
    try {
      const out = await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `REMOVE ${ids.map((_, index) => `#pending.#i${index}`).join(', ')}`,
            // Never create an item for an unknown job.
            ConditionExpression: 'attribute_exists(#pending)',
            ExpressionAttributeNames: names,
            ReturnValues: 'ALL_NEW',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      remaining = out.Attributes as JobItem;
    } catch (error) {
      if (isConditionFailed(error)) return;
      throw error;
    }
    if (Object.keys(remaining.pending).length > 0 || remaining.pending_since === undefined) return;
    try {
      await this.call('write', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'REMOVE #since',
            // A record may have added events in between: then pending_since stays.
            ConditionExpression: 'size(#pending) = :zero',
            ExpressionAttributeNames: { '#pending': 'pending', '#since': 'pending_since' },
            ExpressionAttributeValues: { ':zero': 0 },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  private key(target: Target, sortKey: string): { pk: string; sk: string } {
    return { pk: partitionKey(target), sk: sortKey };
  }

  /** Sends one request: counts it and its capacity, and turns SDK failures into domain errors. */
  private async call<Out extends { ConsumedCapacity?: ConsumedCapacity }>(
    kind: 'read' | 'write',
    send: () => Promise<Out>,
  ): Promise<Out> {
    this.counters.requests += 1;
    let out: Out;
    try {
      out = await send();
    } catch (error) {
      throw this.translate(error);
    }
    const units = out.ConsumedCapacity?.CapacityUnits ?? 0;
    if (kind === 'read') this.counters.readUnits += units;
    else this.counters.writeUnits += units;
    return out;
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

function toStoredJob(item: JobItem): StoredJob {
  const pending = Object.values(item.pending ?? {})
    .sort((a, b) => a.seq - b.seq)
    .map((entry) => entry.event);
  return {
    job: item.job,
    progressStep: item.progress_step ?? null,
    stalledReported: item.stalled_reported ?? false,
    version: item.version,
    pending,
  };
}
