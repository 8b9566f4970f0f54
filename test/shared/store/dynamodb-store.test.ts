import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent } from '../../../shared/build-event';
import type { Job } from '../../../shared/job';
import type { JobEvent } from '../../../shared/job-event';
import { DynamoDbTaskStore } from '../../../shared/store/dynamodb-store';
import { StoreTableNotFoundError, StoreThrottledError } from '../../../shared/store/errors';
import { STATE_TTL_SECONDS } from '../../../shared/store/table';
import type {
  Claim,
  CursorState,
  JobDigest,
  JobRecord,
  PendingJob,
  RecordResult,
} from '../../../shared/store/task-store';
import { measureStoreUsage } from '../../../shared/store/usage';
import type { Target } from '../../../shared/target';
import type { JobState } from '../../../shared/transition';
import { useDynalite } from '../../support/dynalite';

const dynalite = useDynalite();

const target: Target = { region: 'ap-southeast-1', projectId: 'proj-1' };
const otherTarget: Target = { region: 'ap-southeast-1', projectId: 'proj-2' };
const NOW_MS = Date.parse('2024-05-01T12:00:00.000Z');

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    name: 'BackupInstance',
    status: 'Running',
    start_time: '2024-05-01T11:00:00.000Z',
    end_time: null,
    progress: 40,
    instance: { id: 'inst-1', name: 'nosql-12f5' },
    fail_reason: null,
    ...overrides,
  };
}

function state(overrides: Partial<Job> = {}, extra: Partial<JobState> = {}): JobState {
  return { job: job(overrides), progressStep: null, stalledReported: false, occurrences: {}, ...extra };
}

function event(id: string, jobState: JobState = state()): JobEvent {
  return {
    specversion: '1.0',
    id,
    source: 'geminidb-job-watcher/ap-southeast-1/proj-1',
    type: 'com.huaweicloud.geminidb.job.started',
    subject: jobState.job.id,
    time: '2024-05-01T12:00:00.000Z',
    datacontenttype: 'application/json',
    data: {
      region: 'ap-southeast-1',
      project_id: 'proj-1',
      job: jobState.job,
      previous_status: null,
      duration_seconds: null,
    },
  };
}

function record(
  jobState: JobState,
  eventIds: string[],
  expectedVersion: number | null,
  writer = 'poll-a',
): JobRecord {
  return { state: jobState, events: eventIds.map((id) => event(id, jobState)), expectedVersion, writer };
}

/** The job a record wrote, or undefined when it was refused. */
const written = (result: RecordResult) => result.written;

let tableName: string;
let store: DynamoDbTaskStore;

async function rawItem(sk: string): Promise<Record<string, unknown> | undefined> {
  const doc = DynamoDBDocumentClient.from(dynalite.client);
  const out = await doc.send(
    new GetCommand({ TableName: tableName, Key: { pk: 'TARGET#ap-southeast-1#proj-1', sk } }),
  );
  return out.Item;
}

beforeEach(async () => {
  tableName = await dynalite.freshTable();
  store = new DynamoDbTaskStore({ tableName, client: dynalite.client, now: () => NOW_MS });
});

describe('DynamoDbTaskStore.recordJob', () => {
  it('stores a new job with version 1 and loads back every field, pending in recording order', async () => {
    const running = state(
      { progress: 60 },
      { progressStep: 50, stalledReported: true, occurrences: { 'started|Running|': 1 } },
    );
    const result = await store.recordJob(target, record(running, ['e-b', 'e-a', 'e-c'], null));
    const expected = {
      ...running,
      version: 1,
      pending: [event('e-b', running), event('e-a', running), event('e-c', running)],
    };
    expect(written(result)).toEqual(expected);
    const loaded = await store.loadJobs(target);
    expect([...loaded.keys()]).toEqual(['job-1']);
    expect(loaded.get('job-1')).toEqual(expected);
    expect(await store.getJob(target, 'job-1')).toEqual(expected);
  });

  it('keeps pending in order across records, bumps the version and answers the job as it now stands', async () => {
    await store.recordJob(target, record(state(), ['e-9', 'e-1'], null));
    const done = state({ status: 'Completed', progress: null, end_time: '2024-05-01T11:30:00.000Z' });
    const now = written(await store.recordJob(target, record(done, ['e-0', 'e-5'], 1)));
    expect(now?.version).toBe(2);
    expect(now?.job).toEqual(done.job);
    expect(now?.pending.map((e) => e.id)).toEqual(['e-9', 'e-1', 'e-0', 'e-5']);
    expect(await store.getJob(target, 'job-1')).toEqual(now);
  });

  it('keeps the first entry when an id still pending is recorded again', async () => {
    await store.recordJob(target, record(state(), ['e-1'], null));
    const later = state({ progress: 90 });
    await store.recordJob(target, record(later, ['e-1', 'e-2', 'e-2'], 1));

    const stored = await store.getJob(target, 'job-1');
    expect(stored?.pending.map((e) => [e.id, e.data.job.progress])).toEqual([
      ['e-1', 40],
      ['e-2', 90],
    ]);
  });

  it('refuses a stale version, hands back the newer state and leaves it', async () => {
    await store.recordJob(target, record(state(), [], null));
    await store.recordJob(target, record(state({ progress: 80 }), ['e-new'], 1));

    const refused = await store.recordJob(target, record(state({ progress: 10 }), ['e-stale'], 1, 'poll-b'));
    expect(refused.written).toBeUndefined();
    expect(refused).toMatchObject({ refused: { version: 2, job: { progress: 80 } } });
    const stored = await store.getJob(target, 'job-1');
    expect(stored?.version).toBe(2);
    expect(stored?.job.progress).toBe(80);
    expect(stored?.pending.map((e) => e.id)).toEqual(['e-new']);
  });

  it('refuses to create a job that is already stored', async () => {
    await store.recordJob(target, record(state(), ['e-1'], null));
    expect(
      written(await store.recordJob(target, record(state({ progress: 1 }), ['e-2'], null, 'poll-b'))),
    ).toBeUndefined();
    expect((await store.getJob(target, 'job-1'))?.pending.map((e) => e.id)).toEqual(['e-1']);
  });

  it('refuses an update of a job that is not stored', async () => {
    expect(await store.recordJob(target, record(state(), ['e-1'], 3))).toEqual({ refused: null });
    expect(await store.getJob(target, 'job-1')).toBeNull();
  });

  it('lets exactly one of two concurrent writers with the same expected version win', async () => {
    await store.recordJob(target, record(state(), [], null));
    const results = await Promise.all([
      store.recordJob(target, record(state({ progress: 70 }), ['e-a'], 1, 'poll-a')),
      store.recordJob(target, record(state({ progress: 75 }), ['e-b'], 1, 'poll-b')),
    ]);

    expect(results.filter(written)).toHaveLength(1);
    const winner = results[0]?.written ? { progress: 70, id: 'e-a' } : { progress: 75, id: 'e-b' };
    const stored = await store.getJob(target, 'job-1');
    expect(stored?.version).toBe(2);
    expect(stored?.job.progress).toBe(winner.progress);
    expect(stored?.pending.map((e) => e.id)).toEqual([winner.id]);
  });

  it('lets exactly one of two concurrent creators win', async () => {
    const results = await Promise.all([
      store.recordJob(target, record(state(), ['e-a'], null, 'poll-a')),
      store.recordJob(target, record(state(), ['e-b'], null, 'poll-b')),
    ]);
    expect(results.filter(written)).toHaveLength(1);
    expect((await store.getJob(target, 'job-1'))?.pending).toHaveLength(1);
  });

  it('sets updated_at from the clock and an empty outbox for a job without events', async () => {
    await store.recordJob(target, record(state(), [], null));
    const item = await rawItem('JOB#job-1');
    expect(item?.pending).toEqual({});
    expect(item?.updated_at).toBe('2024-05-01T12:00:00.000Z');
    expect(item).not.toHaveProperty('claim_owner');
    expect(item).not.toHaveProperty('observed_at_ms');
  });

  it.each(['Completed', 'Failed', 'Running', 'Paused', 'Cancelled'])(
    'sets expires_at to the start plus the retention for a %s job',
    async (status) => {
      await store.recordJob(target, record(state({ status }), [], null));
      const startSeconds = Date.parse(job().start_time) / 1000;
      expect((await rawItem('JOB#job-1'))?.expires_at).toBe(startSeconds + STATE_TTL_SECONDS);
    },
  );

  it('keeps expires_at on every update, whatever the status', async () => {
    await store.recordJob(target, record(state({ status: 'Failed' }), [], null));
    await store.recordJob(target, record(state({ status: 'Running' }), [], 1));
    const startSeconds = Date.parse(job().start_time) / 1000;
    expect((await rawItem('JOB#job-1'))?.expires_at).toBe(startSeconds + STATE_TTL_SECONDS);
  });
});

describe('DynamoDbTaskStore.markPublished', () => {
  it('removes exactly the given ids and answers how many are left', async () => {
    await store.recordJob(target, record(state(), ['e-1', 'e-2', 'e-3'], null));
    expect(await store.markPublished(target, 'job-1', ['e-1', 'e-3'])).toBe(1);
    expect((await store.getJob(target, 'job-1'))?.pending.map((e) => e.id)).toEqual(['e-2']);
    expect(await store.markPublished(target, 'job-1', ['e-2'])).toBe(0);
    expect((await rawItem('JOB#job-1'))?.pending).toEqual({});
  });

  it('is idempotent for ids marked twice, repeated or unknown, and does not bump the version', async () => {
    await store.recordJob(target, record(state(), ['e-1', 'e-2'], null));
    await store.markPublished(target, 'job-1', ['e-1', 'e-1', 'nope']);
    await store.markPublished(target, 'job-1', ['e-1']);

    const stored = await store.getJob(target, 'job-1');
    expect(stored?.pending.map((e) => e.id)).toEqual(['e-2']);
    expect(stored?.version).toBe(1);
    expect(written(await store.recordJob(target, record(state({ progress: 99 }), [], 1)))).toBeDefined();
  });

  it('does not create an item for an unknown job and ignores an empty id list', async () => {
    expect(await store.markPublished(target, 'ghost', ['e-1'])).toBe(0);
    expect(await store.markPublished(target, 'ghost', [])).toBe(0);
    expect(await rawItem('JOB#ghost')).toBeUndefined();
  });
});

describe('DynamoDbTaskStore claim and cursor', () => {
  const digest = (version: number, status: string): JobDigest => ({
    version,
    status,
    progressStep: status === 'Running' ? 50 : null,
    stalledReported: false,
    startMs: Date.parse('2024-05-01T11:00:07.000Z'),
    sinceMs: Date.parse('2024-05-01T11:30:00.000Z'),
    occurrences: {},
  });
  const cursorState = (jobs: [string, JobDigest][] = []): CursorState => ({
    baselineAt: NOW_MS - 3600_000,
    baselineDone: true,
    lastCycleAt: '2024-05-01T12:00:00.000Z',
    watermarkMs: Date.parse('2024-05-01T11:59:00.000Z'),
    runningFromMs: null,
    lastFullResyncMs: NOW_MS - 60_000,
    resyncFromMs: null,
    resyncUntilMs: null,
    jobs: new Map(jobs),
  });
  const pendingJob = (jobId: string, expectedVersion = 1): PendingJob => ({
    jobId,
    expectedVersion,
    startMs: Date.parse('2024-05-01T11:00:07.000Z'),
  });
  const claim = (owner: string, untilMs = NOW_MS + 30_000, pending = [pendingJob('job-1')]) => ({
    owner,
    untilMs,
    pending,
    baselineAt: NOW_MS - 60_000,
  });
  const free = (owner: string, expectedRevision: number | null) => ({
    expectedRevision,
    owner,
    claimed: false,
    nowMs: NOW_MS,
  });

  it('has no cursor for a target never polled', async () => {
    expect(await store.getCursor(target)).toBeNull();
  });

  it('takes a free claim with its pending entries and baseline, creating the cursor', async () => {
    expect(await store.claim(target, claim('poll-a'), null, NOW_MS)).toBe(true);
    expect(await store.getCursor(target)).toMatchObject({
      revision: 1,
      baselineAt: NOW_MS - 60_000,
      baselineDone: false,
      claim: { owner: 'poll-a', untilMs: NOW_MS + 30_000 } satisfies Claim,
      pending: [pendingJob('job-1')],
    });
  });

  it.each<[string, number | null, ReturnType<typeof claim> | null, boolean]>([
    ['a stale revision', 0, null, false],
    ['a live claim of another poll', 1, claim('poll-a'), false],
    ['an expired claim', 1, claim('poll-a', NOW_MS), true],
    ['its own live claim', 1, claim('poll-b'), true],
    ['no claim at the revision read', 1, null, true],
  ])('answers whether the claim can be taken over %s', async (_, revision, held, expected) => {
    expect(await store.saveCursor(target, cursorState(), [], free('poll-0', null))).toBe(true);
    if (held) expect(await store.claim(target, held, 1, NOW_MS)).toBe(true);
    const seen = held ? (revision ?? 0) + 1 : revision;
    expect(await store.claim(target, claim('poll-b'), seen, NOW_MS)).toBe(expected);
    expect((await store.getCursor(target))?.claim?.owner).toBe(expected ? 'poll-b' : held?.owner);
  });

  it('keeps claims of different targets apart', async () => {
    expect(await store.claim(target, claim('poll-a'), null, NOW_MS)).toBe(true);
    expect(await store.claim(otherTarget, claim('poll-b'), null, NOW_MS)).toBe(true);
  });

  it('adds to the pending set and keeps the first baseline, claim after claim', async () => {
    await store.claim(target, claim('poll-a', NOW_MS, [pendingJob('job-1')]), null, NOW_MS);
    await store.claim(
      target,
      { ...claim('poll-b', NOW_MS, [pendingJob('job-2', 0)]), baselineAt: 1 },
      1,
      NOW_MS,
    );
    const cursor = await store.getCursor(target);
    expect(cursor?.pending.map((entry) => entry.jobId).sort()).toEqual(['job-1', 'job-2']);
    expect(cursor?.baselineAt).toBe(NOW_MS - 60_000);
  });

  it('frees the claim with the cursor write of its holder, removing only what it is done with', async () => {
    await store.claim(
      target,
      claim('poll-a', NOW_MS + 30_000, [pendingJob('job-1'), pendingJob('job-2')]),
      null,
      NOW_MS,
    );
    const next = cursorState([['job-1', digest(2, 'Running')]]);
    const write = { expectedRevision: 1, owner: 'poll-a', claimed: true, nowMs: NOW_MS };
    expect(await store.saveCursor(target, next, [pendingJob('job-1')], write)).toBe(true);
    expect(await store.getCursor(target)).toEqual({
      ...next,
      revision: 2,
      claim: null,
      pending: [pendingJob('job-2')],
    });
  });

  it('refuses the cursor write of a poll whose claim another took over', async () => {
    await store.claim(target, claim('poll-a', NOW_MS + 1), null, NOW_MS);
    expect(await store.claim(target, claim('poll-b'), 1, NOW_MS + 1)).toBe(true);
    const write = { expectedRevision: 1, owner: 'poll-a', claimed: true, nowMs: NOW_MS };
    expect(await store.saveCursor(target, cursorState(), [], write)).toBe(false);
    expect((await store.getCursor(target))?.claim?.owner).toBe('poll-b');
  });

  it('writes a cursor without a claim only at the revision read and while no live claim is held', async () => {
    const state = cursorState();
    expect(await store.saveCursor(target, state, [], free('poll-a', null))).toBe(true);
    expect(await store.saveCursor(target, state, [], free('poll-b', null))).toBe(false);
    expect(await store.saveCursor(target, state, [], free('poll-c', 1))).toBe(true);
    await store.claim(target, claim('poll-d'), 2, NOW_MS);
    expect(await store.saveCursor(target, state, [], free('poll-e', 3))).toBe(false);
    expect(await store.saveCursor(target, state, [], { ...free('poll-f', 3), nowMs: NOW_MS + 30_000 })).toBe(
      true,
    );
    expect((await store.getCursor(target))?.revision).toBe(4);
  });

  it('takes over a cursor written before cursors had a revision, as one without state', async () => {
    const doc = DynamoDBDocumentClient.from(dynalite.client);
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'TARGET#ap-southeast-1#proj-1', sk: 'CURSOR', baseline_done: true, last_cycle_at: 'x' },
      }),
    );
    expect(await store.getCursor(target)).toMatchObject({
      revision: null,
      baselineAt: null,
      jobs: new Map(),
    });
    expect(await store.claim(target, claim('poll-a'), null, NOW_MS)).toBe(true);
    expect((await store.getCursor(target))?.revision).toBe(1);
  });

  it('keeps a job id such as __proto__ as a key like any other', async () => {
    const next = cursorState([
      ['__proto__', digest(1, 'Running')],
      ['constructor', digest(1, 'Suspended')],
    ]);
    expect(await store.saveCursor(target, next, [], free('poll-a', null))).toBe(true);
    const cursor = await store.getCursor(target);
    expect([...(cursor?.jobs.keys() ?? [])].sort()).toEqual(['__proto__', 'constructor']);
    expect(await store.saveCursor(target, next, [], free('poll-b', 1))).toBe(true);
  });

  it('reads a cursor of 40 jobs in one read unit', async () => {
    const jobs = Array.from({ length: 40 }, (_, i): [string, JobDigest] => [
      `6f85e061-04dd-42e7-86d6-${String(i).padStart(12, '0')}`,
      digest(12, 'Running'),
    ]);
    await store.saveCursor(target, cursorState(jobs), [], free('poll-a', null));
    const { result, usage } = await measureStoreUsage(() => store.getCursor(target));
    expect(result?.jobs.size).toBe(40);
    expect(usage.readUnits).toBe(1);
  });
});

describe('DynamoDbTaskStore.loadJobs', () => {
  it('returns an empty map for an unknown target and skips the cursor item', async () => {
    await store.claim(
      target,
      { owner: 'poll-a', untilMs: NOW_MS, pending: [], baselineAt: NOW_MS },
      null,
      NOW_MS,
    );
    expect((await store.loadJobs(target)).size).toBe(0);
  });

  it('keeps targets apart', async () => {
    await store.recordJob(target, record(state(), [], null));
    await store.recordJob(otherTarget, record(state({ id: 'job-2' }), [], null));
    expect([...(await store.loadJobs(target)).keys()]).toEqual(['job-1']);
    expect([...(await store.loadJobs(otherTarget)).keys()]).toEqual(['job-2']);
  });

  it('reads every page when the jobs exceed one 1 MB query page', async () => {
    const failReason = 'x'.repeat(3_700);
    const ids = Array.from({ length: 300 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids
          .slice(i, i + 50)
          .map((id) =>
            store.recordJob(
              target,
              record(state({ id, status: 'Failed', fail_reason: failReason }), [], null),
            ),
          ),
      );
    }
    const { result: jobs, usage } = await measureStoreUsage(() => store.loadJobs(target));
    expect(jobs.size).toBe(300);
    expect([...jobs.keys()].sort()).toEqual(ids);
    expect(jobs.get('job-299')?.job.fail_reason).toBe(failReason);
    expect(usage.requests).toBeGreaterThanOrEqual(2);
  });
});

describe('measureStoreUsage with the store', () => {
  it('counts requests and consumed read and write units', async () => {
    const { usage } = await measureStoreUsage(async () => {
      await store.recordJob(target, record(state(), ['e-1'], null));
      await store.getJob(target, 'job-1');
      await store.loadJobs(target);
    });
    expect(usage.writeUnits).toBeGreaterThan(0);
    expect(usage.readUnits).toBeGreaterThan(0);
    expect(usage).toMatchObject({ requests: 3, readRequests: 2, writeRequests: 1 });
  });

  it('counts refused conditional writes as requests, and the read of the item that refused it', async () => {
    await store.recordJob(target, record(state(), [], null));
    const { usage } = await measureStoreUsage(() =>
      store.recordJob(target, record(state(), [], null, 'poll-b')),
    );
    // dynalite does not return the refusing item with the failure (DynamoDB does): one read asks for it.
    expect(usage).toMatchObject({ writeRequests: 1, writeUnits: 1, readRequests: 1 });
  });
});

describe('DynamoDbTaskStore errors', () => {
  it('turns a missing table into StoreTableNotFoundError naming the table and the fix', async () => {
    const missing = new DynamoDbTaskStore({ tableName: 'no-such-table', client: dynalite.client });
    const load = missing.loadJobs(target);
    await expect(load).rejects.toBeInstanceOf(StoreTableNotFoundError);
    await expect(load).rejects.toThrow(/"no-such-table".*--store dynalite/);
    await expect(load).rejects.toMatchObject({
      tableName: 'no-such-table',
      cause: expect.objectContaining({ name: 'ResourceNotFoundException' }),
    });
    await expect(missing.recordJob(target, record(state(), [], null))).rejects.toBeInstanceOf(
      StoreTableNotFoundError,
    );
  });

  it('rethrows other SDK errors as they are', async () => {
    const huge = 'y'.repeat(500 * 1024);
    const write = store.recordJob(target, record(state({ fail_reason: huge }), [], null));
    await expect(write).rejects.toMatchObject({ name: 'ValidationException' });
  });

  describe('when DynamoDB throttles', () => {
    let server: Server;
    let endpoint: string;
    let errorType = '';

    beforeAll(async () => {
      // dynalite cannot throttle: a loopback server answers every call with the wire error.
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(
            JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${errorType}`, message: 'slow down' }),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
      'turns %s into StoreThrottledError',
      async (type) => {
        errorType = type;
        const client = new DynamoDBClient({
          endpoint,
          region: 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 1,
        });
        const throttled = new DynamoDbTaskStore({ tableName: 'busy-table', client });
        const get = throttled.getJob(target, 'job-1');
        await expect(get).rejects.toBeInstanceOf(StoreThrottledError);
        await expect(get).rejects.toThrow(/"busy-table"/);
        await expect(get).rejects.toMatchObject({ cause: expect.objectContaining({ name: type }) });
        client.destroy();
      },
    );
  });
});

describe('DynamoDbTaskStore capacity of one transition', () => {
  const realTarget: Target = { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' };
  const running = job({
    id: '6f85e061-04dd-42e7-86d6-d3b1e40aac2e',
    instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
  });
  const completed: Job = {
    ...running,
    status: 'Completed',
    progress: null,
    end_time: '2024-05-01T11:20:00.000Z',
  };

  it('costs one write unit to record it and one to mark it', async () => {
    await store.recordJob(realTarget, {
      state: { job: running, progressStep: null, stalledReported: false, occurrences: {} },
      events: [],
      expectedVersion: null,
      writer: 'poll-a',
    });
    const transition = {
      type: 'completed' as const,
      job: completed,
      previousStatus: 'Running',
      progressStep: null,
      occurrence: 0,
    };
    const event = buildEvent(realTarget, transition, new Date(NOW_MS));
    const { usage } = await measureStoreUsage(async () => {
      const done = await store.recordJob(realTarget, {
        state: {
          job: completed,
          progressStep: null,
          stalledReported: false,
          occurrences: { 'completed|Completed|': 1 },
        },
        events: [event],
        expectedVersion: 1,
        writer: 'poll-b',
      });
      expect(done.written?.pending).toEqual([event]);
      expect(await store.markPublished(realTarget, running.id, [event.id])).toBe(0);
    });
    expect(usage).toMatchObject({ writeRequests: 2, writeUnits: 2 });
  });
});
