import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { awsClientConfig } from '../aws-client-config';
import type { JobEvent } from '../job-event';
import type { Target } from '../target';
import { StoreTableNotFoundError, StoreThrottledError } from './errors';
import type { EventHistory, ListEventsOptions } from './event-history';
import {
  type CursorItem,
  claimAttribute,
  cursorAttributes,
  encodeHistory,
  encodePending,
  type HistoryTuple,
  historyEvents,
  type JobItem,
  pendingEntry,
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
} from './table';
import type {
  Claim,
  Cursor,
  CursorState,
  CursorWrite,
  JobRecord,
  PendingJob,
  RecordResult,
  StoredJob,
  TaskStore,
} from './task-store';
import { addStoreUsage } from './usage';

/** How to reach the table. */
export interface DynamoDbTaskStoreOptions {
  readonly tableName: string;
  /** Defaults to a client from the environment (region, credentials). */
  readonly client?: DynamoDBClient;
  /** Clock (epoch ms) for `updated_at`; defaults to `Date.now`. */
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
 * - Job item, `sk = JOB#<job id>`: `job` (the event's job object as last recorded), `version`
 *   (bumped by every record: the optimistic lock), `progress_step`, `stalled_reported`,
 *   `occurrences` (change key to count, only once a transition was emitted), `pending` (the outbox:
 *   event id to a compact entry, `{}` when empty; ids make marking idempotent, the entry's `seq`
 *   keeps the recording order), `updated_at`, `expires_at` (TTL: the job's start plus
 *   {@link STATE_TTL_SECONDS}, whatever its status) and the event history `h_<type>` (the last
 *   recorded event of each transition type, written by the record that appends it).
 * - Cursor item, `sk = CURSOR`: `revision` (the optimistic lock, bumped by every write), `writer`
 *   (the owner of the last write), `baseline_at`, `baseline_done`, `last_cycle_at`, `watermark_ms`,
 *   `running_from_ms`, `last_full_resync_ms`, `resync_from_ms`, `resync_until_ms`, `jobs` (the
 *   digest: job id to `[version, status, progress_step, stalled_reported, start epoch seconds,
 *   since epoch seconds, occurrences?]`), `pending` (a string set of `<expected version>:<start
 *   seconds>:<job id>`) and, while a poll holds it, `claim` (`owner`, `until_ms`).
 *
 * Every conditional write asks for the item that refused it (`ReturnValuesOnConditionCheckFailure`):
 * a write the SDK retried after its first attempt landed finds its own `writer` there, and counts
 * as done; a refused job write hands back the item as it stands.
 *
 * Marking does not bump `version`: a cycle holding version N for its diff must not lose its write
 * because an outbox entry was marked meanwhile.
 */
export class DynamoDbTaskStore implements TaskStore, EventHistory {
  private readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => number;

  constructor(options: DynamoDbTaskStoreOptions) {
    this.tableName = options.tableName;
    this.doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient(awsClientConfig()), {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.now = options.now ?? Date.now;
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

  async claim(
    target: Target,
    claim: Claim & { readonly pending: readonly PendingJob[]; readonly baselineAt: number },
    expectedRevision: number | null,
    nowMs: number,
  ): Promise<boolean> {
    const revision = revisionCondition(expectedRevision);
    const next = (expectedRevision ?? 0) + 1;
    const adds = claim.pending.length > 0;
    return this.updateCursor(target, claim.owner, next, {
      UpdateExpression:
        'SET #claim = :claim, #revision = :next, #writer = :me, #baselineAt = if_not_exists(#baselineAt, :baselineAt)' +
        (adds ? ' ADD #pending :pending' : ''),
      ConditionExpression: `${revision.expression} AND ${CLAIM_FREE}`,
      ExpressionAttributeNames: {
        '#claim': 'claim',
        '#revision': 'revision',
        '#writer': 'writer',
        '#baselineAt': 'baseline_at',
        '#owner': 'owner',
        '#until': 'until_ms',
        ...(adds ? { '#pending': 'pending' } : {}),
      },
      ExpressionAttributeValues: {
        ...revision.values,
        ':claim': claimAttribute(claim),
        ':next': next,
        ':me': claim.owner,
        ':now': nowMs,
        ':baselineAt': claim.baselineAt,
        ...(adds ? { ':pending': new Set(claim.pending.map(pendingEntry)) } : {}),
      },
    });
  }

  async saveCursor(
    target: Target,
    state: CursorState,
    done: readonly PendingJob[],
    condition: CursorWrite,
  ): Promise<boolean> {
    const { expectedRevision, owner } = condition;
    const revision = revisionCondition(expectedRevision);
    const next = (expectedRevision ?? 0) + 1;
    const names: Record<string, string> = {
      '#revision': 'revision',
      '#writer': 'writer',
      '#claim': 'claim',
      '#owner': 'owner',
    };
    const values: Record<string, unknown> = { ...revision.values, ':next': next, ':me': owner };
    let expression: string;
    if (condition.claimed) {
      expression = `${revision.expression} AND #claim.#owner = :me`;
    } else {
      names['#until'] = 'until_ms';
      values[':now'] = condition.nowMs;
      expression = `${revision.expression} AND ${CLAIM_FREE}`;
    }
    const sets = ['#revision = :next', '#writer = :me'];
    Object.entries(cursorAttributes(state)).forEach(([attribute, value], index) => {
      names[`#c${index}`] = attribute;
      values[`:c${index}`] = value;
      sets.push(`#c${index} = :c${index}`);
    });
    let update = `SET ${sets.join(', ')} REMOVE #claim`;
    if (done.length > 0) {
      names['#pending'] = 'pending';
      values[':done'] = new Set(done.map(pendingEntry));
      update += ' DELETE #pending :done';
    }
    return this.updateCursor(target, owner, next, {
      UpdateExpression: update,
      ConditionExpression: expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  /**
   * One conditional update of the cursor by `owner` to `revision`: true when it went through, or
   * when the SDK retried it after it had landed (the refusing item is `owner`'s at `revision`).
   */
  private async updateCursor(
    target: Target,
    owner: string,
    revision: number,
    update: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<boolean> {
    const key = this.key(target, CURSOR_SORT_KEY);
    const result = await this.conditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            ...update,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      { key, isOwn: (old) => ownWrite(old as CursorItem | undefined, owner, revision) },
    );
    return result.ok;
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

  async getJobs(target: Target, jobIds: readonly string[]): Promise<Map<string, StoredJob>> {
    const jobs = new Map<string, StoredJob>();
    const ids = [...new Set(jobIds)];
    for (let index = 0; index < ids.length; index += BATCH_GET_KEYS) {
      let keys: Record<string, unknown>[] | undefined = ids
        .slice(index, index + BATCH_GET_KEYS)
        .map((id) => this.key(target, jobSortKey(id)));
      for (let round = 0; keys !== undefined && keys.length > 0; round++) {
        if (round >= BATCH_GET_ROUNDS) throw new StoreThrottledError(this.tableName, 'unprocessed keys');
        const request = new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          ReturnConsumedCapacity: 'TOTAL',
        });
        const out = await this.call('read', async () => {
          const answer: BatchGetCommandOutput = await this.doc.send(request);
          const units = (answer.ConsumedCapacity ?? []).reduce(
            (sum, used) => sum + (used.CapacityUnits ?? 0),
            0,
          );
          return { ...answer, ConsumedCapacity: { CapacityUnits: units } };
        });
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const stored = toStoredJob(target, item as JobItem);
          jobs.set(stored.job.id, stored);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return jobs;
  }

  async recordJob(target: Target, record: JobRecord): Promise<RecordResult> {
    const events = uniqueById(record.events);
    const version = (record.expectedVersion ?? 0) + 1;
    if (events.length >= SEQ_PER_VERSION) {
      throw new RangeError(`record.events has ${events.length} events; at most ${SEQ_PER_VERSION - 1} fit`);
    }
    const { job } = record.state;
    const pending = events.map(
      (event, index) =>
        [event.id, encodePending(target, job.id, event, version * SEQ_PER_VERSION + index)] as const,
    );
    const attributes = {
      job,
      version,
      writer: record.writer,
      progress_step: record.state.progressStep,
      stalled_reported: record.state.stalledReported,
      occurrences: record.state.occurrences,
      updated_at: new Date(this.now()).toISOString(),
      expires_at: expiresAt(job.start_time),
      ...Object.fromEntries(historyOf(target, record)),
    };
    const isOwn = (old: Record<string, unknown> | undefined) =>
      old?.writer === record.writer && old?.version === version;
    const refusal = (old: Record<string, unknown> | undefined): RecordResult => ({
      refused:
        old === undefined || old.job === undefined ? null : toStoredJob(target, old as unknown as JobItem),
    });
    if (record.expectedVersion === null) {
      const item = {
        ...this.key(target, jobSortKey(job.id)),
        ...attributes,
        pending: Object.fromEntries(pending),
      } satisfies JobItem;
      const result = await this.conditional(
        () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': TableKeys.partition },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        { key: this.key(target, jobSortKey(job.id)), isOwn },
      );
      if (result.ok) return { written: toStoredJob(target, (result.old ?? item) as unknown as JobItem) };
      return refusal(result.old);
    }
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': record.expectedVersion };
    const sets: string[] = [];
    Object.entries(attributes).forEach(([attribute, value], index) => {
      names[`#a${index}`] = attribute;
      values[`:a${index}`] = value;
      sets.push(`#a${index} = :a${index}`);
    });
    if (pending.length > 0) names['#pending'] = 'pending';
    pending.forEach(([id, entry], index) => {
      names[`#e${index}`] = id;
      values[`:e${index}`] = entry;
      // An id still pending keeps its first entry: same id, same transition.
      sets.push(`#pending.#e${index} = if_not_exists(#pending.#e${index}, :e${index})`);
    });
    let item: JobItem | undefined;
    const result = await this.conditional(
      async () => {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(target, jobSortKey(job.id)),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        item = out.Attributes as JobItem;
        return out;
      },
      { key: this.key(target, jobSortKey(job.id)), isOwn },
    );
    if (result.ok) {
      const stored = item ?? (result.old as JobItem | undefined);
      if (stored) return { written: toStoredJob(target, stored) };
    }
    return refusal(result.old);
  }

  /** As the port says; with no ids it sends nothing and answers 0. */
  async markPublished(target: Target, jobId: string, eventIds: readonly string[]): Promise<number> {
    const ids = [...new Set(eventIds)];
    if (ids.length === 0) return 0;
    const names: Record<string, string> = { '#pending': 'pending' };
    ids.forEach((id, index) => {
      names[`#i${index}`] = id;
    });
    let left = 0;
    await this.conditional(async () => {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(target, jobSortKey(jobId)),
          UpdateExpression: `REMOVE ${ids.map((_, index) => `#pending.#i${index}`).join(', ')}`,
          // Never create an item for an unknown job.
          ConditionExpression: 'attribute_exists(#pending)',
          ExpressionAttributeNames: names,
          ReturnValues: 'ALL_NEW',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      left = Object.keys((out.Attributes as JobItem | undefined)?.pending ?? {}).length;
      return out;
    });
    return left;
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
    return (await this.getItem(this.key(target, jobSortKey(jobId)))) as JobItem | undefined;
  }

  private key(target: Target, sortKey: string): { pk: string; sk: string } {
    return { pk: partitionKey(target), sk: sortKey };
  }

  /**
   * Sends one conditional write. `ok` when it went through, or when its condition failed on the
   * item its own earlier attempt wrote (`check.isOwn` of the refusing item: the SDK retried a write
   * that had landed); `old` is the refusing item. DynamoDB returns it with the failure; a server
   * that does not (dynalite) is asked for it with one strongly consistent read.
   */
  private async conditional<Out extends { ConsumedCapacity?: ConsumedCapacity }>(
    send: () => Promise<Out>,
    check?: {
      readonly key: { pk: string; sk: string };
      readonly isOwn: (old: Record<string, unknown> | undefined) => boolean;
    },
  ): Promise<{ readonly ok: boolean; readonly old?: Record<string, unknown> }> {
    try {
      await this.call('write', send);
      return { ok: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      if (check === undefined) return { ok: false };
      const old = (error as { Item?: Record<string, unknown> }).Item ?? (await this.getItem(check.key));
      return { ok: check.isOwn(old), ...(old ? { old } : {}) };
    }
  }

  /** One item, strongly consistent, or undefined. */
  private async getItem(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.call('read', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: key,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return out.Item;
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
      addStoreUsage(kind, kind === 'write' && isConditionFailed(error) ? 1 : 0);
      throw this.translate(error);
    }
    addStoreUsage(kind, out.ConsumedCapacity?.CapacityUnits ?? 0);
    return out;
  }

  private translate(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    if (THROTTLING_ERRORS.has(error.name)) return new StoreThrottledError(this.tableName, error);
    if (error.name === 'ResourceNotFoundException') return new StoreTableNotFoundError(this.tableName, error);
    return error;
  }
}

/** The claim is absent, expired at `:now`, or `:me`'s. */
const CLAIM_FREE = '(attribute_not_exists(#claim) OR #claim.#until <= :now OR #claim.#owner = :me)';

/** Keys one BatchGetItem takes, and rounds of unprocessed keys it is sent again before giving up. */
const BATCH_GET_KEYS = 100;
const BATCH_GET_ROUNDS = 5;

/** Whether a refusing cursor item is this owner's own write at the revision it meant to write. */
function ownWrite(old: CursorItem | undefined, owner: string, revision: number): boolean {
  return old?.writer === owner && old.revision === revision;
}

function revisionCondition(expected: number | null): {
  expression: string;
  values: Record<string, unknown>;
} {
  return expected === null
    ? { expression: 'attribute_not_exists(#revision)', values: {} }
    : { expression: '#revision = :expected', values: { ':expected': expected } };
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A job item's TTL: its start plus {@link STATE_TTL_SECONDS} (epoch seconds), past the API's window. */
function expiresAt(startTime: string): number {
  const startMs = Date.parse(startTime);
  return Math.floor((Number.isFinite(startMs) ? startMs : Date.now()) / 1000) + STATE_TTL_SECONDS;
}

/** The first event of each id: one map entry per id, and DynamoDB refuses overlapping paths. */
function uniqueById(events: readonly JobEvent[]): JobEvent[] {
  const byId = new Map<string, JobEvent>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()];
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
