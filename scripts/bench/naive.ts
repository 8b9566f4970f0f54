import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildEvent } from '../../shared/build-event';
import { mapLimit } from '../../shared/concurrency';
import { API_WINDOW_SECONDS, type CycleOptions } from '../../shared/config';
import { diffJobs } from '../../shared/diff';
import type { JobsApi } from '../../shared/jobs/jobs-client';
import { type Publisher, publishOne } from '../../shared/publish/publisher';
import { jobSortKey, partitionKey } from '../../shared/store/table';
import type { Target } from '../../shared/target';
import type { JobState } from '../../shared/transition';

/** What the naive watcher needs. */
export interface NaiveDeps {
  readonly api: JobsApi;
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly publishers: readonly Publisher[];
  readonly options: CycleOptions;
  readonly now?: () => number;
}

/** What one naive cycle cost and found. */
export interface NaiveReport {
  readonly apiRequests: number;
  readonly pages: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly transitions: number;
  /** Jobs in the window: one GetItem and one PutItem each. */
  readonly jobs: number;
}

/** Requests of one job in flight at once (a GetItem, then a PutItem). */
const JOB_CONCURRENCY = 8;

/**
 * The baseline the watcher is measured against: every cycle scans the whole 30-day window, and for
 * every job reads its stored state (GetItem), diffs it, publishes what changed and writes the job
 * back (PutItem), changed or not. Same API client, diff and events as the watcher.
 */
export async function naiveCycle(deps: NaiveDeps, target: Target, baseline: boolean): Promise<NaiveReport> {
  const nowMs = (deps.now ?? Date.now)();
  const scan = await deps.api.scanJobs({
    start: new Date(nowMs - (API_WINDOW_SECONDS - 60) * 1000),
    end: new Date(nowMs),
    pageSize: deps.options.pageSize,
  });
  let readUnits = 0;
  let writeUnits = 0;
  let transitions = 0;
  await mapLimit(scan.jobs, JOB_CONCURRENCY, async (job) => {
    const key = { pk: partitionKey(target), sk: jobSortKey(job.id) };
    const got = await deps.doc.send(
      new GetCommand({
        TableName: deps.tableName,
        Key: key,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    readUnits += got.ConsumedCapacity?.CapacityUnits ?? 0;
    const stored = got.Item?.state as JobState | undefined;
    const [change] = diffJobs({
      previous: new Map(stored ? [[job.id, stored]] : []),
      fetched: [job],
      options: deps.options,
      nowMs,
      baselineAt: baseline ? Number.POSITIVE_INFINITY : 0,
    });
    for (const transition of change?.transitions ?? []) {
      const event = buildEvent(target, transition, new Date(nowMs));
      await Promise.all(deps.publishers.map((publisher) => publishOne(publisher, event)));
      transitions += 1;
    }
    const state: JobState = change?.next ??
      stored ?? { job, progressStep: null, stalledReported: false, occurrences: {} };
    const put = await deps.doc.send(
      new PutCommand({ TableName: deps.tableName, Item: { ...key, state }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    writeUnits += put.ConsumedCapacity?.CapacityUnits ?? 0;
  });
  return {
    apiRequests: scan.requests,
    pages: scan.pages,
    readUnits,
    writeUnits,
    transitions,
    jobs: scan.jobs.length,
  };
}
