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
import type { CursorState, FollowUp, JobDigest, JobRecord, Lease } from '../../../shared/store/task-store';
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

function record(jobState: JobState, eventIds: string[], expectedVersion: number | null): JobRecord {
  return { state: jobState, events: eventIds.map((id) => event(id, jobState)), expectedVersion };
}

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
    const written = await store.recordJob(target, record(running, ['e-b', 'e-a', 'e-c'], null));
    const expected = {
      ...running,
      version: 1,
      pending: [event('e-b', running), event('e-a', running), event('e-c', running)],
    };
    expect(written).toEqual(expected);
    const loaded = await store.loadJobs(target);
    expect([...loaded.keys()]).toEqual(['job-1']);
    expect(loaded.get('job-1')).toEqual(expected);
    expect(await store.getJob(target, 'job-1')).toEqual(expected);
  });

  it('keeps pending in order across records, bumps the version and answers the job as it now stands', async () => {
    await store.recordJob(target, record(state(), ['e-9', 'e-1'], null));
    const done = state({ status: 'Completed', progress: null, end_time: '2024-05-01T11:30:00.000Z' });
    const written = await store.recordJob(target, record(done, ['e-0', 'e-5'], 1));
    expect(written?.version).toBe(2);
    expect(written?.job).toEqual(done.job);
    expect(written?.pending.map((e) => e.id)).toEqual(['e-9', 'e-1', 'e-0', 'e-5']);
    expect(await store.getJob(target, 'job-1')).toEqual(written);
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

  it('refuses a stale version and leaves the newer state', async () => {
    await store.recordJob(target, record(state(), [], null));
    await store.recordJob(target, record(state({ progress: 80 }), ['e-new'], 1));

    expect(await store.recordJob(target, record(state({ progress: 10 }), ['e-stale'], 1))).toBeNull();
    const stored = await store.getJob(target, 'job-1');
    expect(stored?.version).toBe(2);
    expect(stored?.job.progress).toBe(80);
    expect(stored?.pending.map((e) => e.id)).toEqual(['e-new']);
  });

  it('refuses to create a job that is already stored', async () => {
    await store.recordJob(target, record(state(), ['e-1'], null));
    expect(await store.recordJob(target, record(state({ progress: 1 }), ['e-2'], null))).toBeNull();
    expect((await store.getJob(target, 'job-1'))?.pending.map((e) => e.id)).toEqual(['e-1']);
  });

  it('refuses an update of a job that is not stored', async () => {
    expect(await store.recordJob(target, record(state(), ['e-1'], 3))).toBeNull();
    expect(await store.getJob(target, 'job-1')).toBeNull();
  });

  it('lets exactly one of two concurrent writers with the same expected version win', async () => {
    await store.recordJob(target, record(state(), [], null));
    const results = await Promise.all([
      store.recordJob(target, record(state({ progress: 70 }), ['e-a'], 1)),
      store.recordJob(target, record(state({ progress: 75 }), ['e-b'], 1)),
    ]);

    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? { progress: 70, id: 'e-a' } : { progress: 75, id: 'e-b' };
    const stored = await store.getJob(target, 'job-1');
    expect(stored?.version).toBe(2);
    expect(stored?.job.progress).toBe(winner.progress);
    expect(stored?.pending.map((e) => e.id)).toEqual([winner.id]);
  });

  it('lets exactly one of two concurrent creators win', async () => {
    const results = await Promise.all([
      store.recordJob(target, record(state(), ['e-a'], null)),
      store.recordJob(target, record(state(), ['e-b'], null)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
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
    expect(await store.recordJob(target, record(state({ progress: 99 }), [], 1))).not.toBeNull();
  });

  it('does not create an item for an unknown job and ignores an empty id list', async () => {
    expect(await store.markPublished(target, 'ghost', ['e-1'])).toBe(0);
    expect(await store.markPublished(target, 'ghost', [])).toBe(0);
    expect(await rawItem('JOB#ghost')).toBeUndefined();
  });
});

describe('DynamoDbTaskStore lease and cursor', () => {
  const digest = (version: number, status: string, pending = false): JobDigest => ({
    version,
    status,
    progressStep: status === 'Running' ? 50 : null,
    stalledReported: false,
    startMs: Date.parse('2024-05-01T11:00:07.000Z'),
    pending,
    occurrences: {},
  });
  const cursorState = (jobs: [string, JobDigest][] = []): CursorState => ({
    baselineDone: true,
    lastCycleAt: '2024-05-01T12:00:00.000Z',
    watermarkMs: Date.parse('2024-05-01T11:59:00.000Z'),
    lastFullResyncMs: NOW_MS - 60_000,
    jobs: new Map(jobs),
  });
  const lease = (owner: string, untilMs = NOW_MS + 30_000, intent = ['job-1']): Lease => ({
    owner,
    untilMs,
    intent,
  });

  it('has no cursor for a target never cycled', async () => {
    expect(await store.getCursor(target)).toBeNull();
  });

  it('takes a free lease with its intent, creating the cursor', async () => {
    expect(await store.takeLease(target, lease('cycle-a'), null, NOW_MS)).toBe(true);
    expect(await store.getCursor(target)).toMatchObject({
      revision: 1,
      baselineDone: false,
      lease: { owner: 'cycle-a', untilMs: NOW_MS + 30_000, intent: ['job-1'] },
    });
  });

  it.each<[string, number | null, Lease | null, boolean]>([
    ['a stale revision', 0, null, false],
    ['a live lease of another cycle', 1, lease('cycle-a'), false],
    ['an expired lease', 1, lease('cycle-a', NOW_MS), true],
    ['its own live lease', 1, lease('cycle-b'), true],
    ['no lease at the revision read', 1, null, true],
  ])('answers whether the lease can be taken over %s', async (_, revision, held, expected) => {
    expect(await store.saveCursor(target, cursorState(), { expectedRevision: null, nowMs: NOW_MS })).toBe(
      true,
    );
    if (held) expect(await store.takeLease(target, held, 1, NOW_MS)).toBe(true);
    const seen = held ? (revision ?? 0) + 1 : revision;
    expect(await store.takeLease(target, lease('cycle-b'), seen, NOW_MS)).toBe(expected);
    expect((await store.getCursor(target))?.lease?.owner).toBe(expected ? 'cycle-b' : held?.owner);
  });

  it('keeps leases of different targets apart', async () => {
    expect(await store.takeLease(target, lease('cycle-a'), null, NOW_MS)).toBe(true);
    expect(await store.takeLease(otherTarget, lease('cycle-b'), null, NOW_MS)).toBe(true);
  });

  it('frees the lease with the cursor write of its holder, and refuses that write once another took over', async () => {
    await store.takeLease(target, lease('cycle-a'), null, NOW_MS);
    const next = cursorState([['job-1', digest(2, 'Running', true)]]);
    expect(
      await store.saveCursor(target, next, { expectedRevision: 1, leaseOwner: 'cycle-a', nowMs: NOW_MS }),
    ).toBe(true);
    expect(await store.getCursor(target)).toEqual({ ...next, revision: 2, lease: null, followUp: null });

    await store.takeLease(target, lease('cycle-a', NOW_MS + 1), 2, NOW_MS);
    expect(await store.takeLease(target, lease('cycle-b'), 3, NOW_MS + 1)).toBe(true);
    expect(
      await store.saveCursor(target, next, { expectedRevision: 3, leaseOwner: 'cycle-a', nowMs: NOW_MS }),
    ).toBe(false);
    expect((await store.getCursor(target))?.lease?.owner).toBe('cycle-b');
  });

  it('writes a cursor without a lease only at the revision read and while no live lease is held', async () => {
    const state = cursorState();
    expect(await store.saveCursor(target, state, { expectedRevision: null, nowMs: NOW_MS })).toBe(true);
    expect(await store.saveCursor(target, state, { expectedRevision: null, nowMs: NOW_MS })).toBe(false);
    expect(await store.saveCursor(target, state, { expectedRevision: 1, nowMs: NOW_MS })).toBe(true);
    await store.takeLease(target, lease('cycle-a'), 2, NOW_MS);
    expect(await store.saveCursor(target, state, { expectedRevision: 3, nowMs: NOW_MS })).toBe(false);
    expect(await store.saveCursor(target, state, { expectedRevision: 3, nowMs: NOW_MS + 30_000 })).toBe(true);
    expect((await store.getCursor(target))?.revision).toBe(4);
  });

  it('takes over a cursor written before cursors had a revision, as one without a digest', async () => {
    const doc = DynamoDBDocumentClient.from(dynalite.client);
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'TARGET#ap-southeast-1#proj-1', sk: 'CURSOR', baseline_done: true, last_cycle_at: 'x' },
      }),
    );
    expect(await store.getCursor(target)).toMatchObject({
      revision: null,
      baselineDone: true,
      jobs: new Map(),
    });
    expect(await store.takeLease(target, lease('cycle-a'), null, NOW_MS)).toBe(true);
    expect((await store.getCursor(target))?.revision).toBe(1);
  });

  it('reads a cursor of 40 jobs in one read unit', async () => {
    const jobs = Array.from({ length: 40 }, (_, i): [string, JobDigest] => [
      `6f85e061-04dd-42e7-86d6-${String(i).padStart(12, '0')}`,
      digest(12, 'Running'),
    ]);
    await store.saveCursor(target, cursorState(jobs), { expectedRevision: null, nowMs: NOW_MS });
    const { result, usage } = await measureStoreUsage(() => store.getCursor(target));
    expect(result?.jobs.size).toBe(40);
    expect(usage.readUnits).toBe(1);
  });
});

describe('DynamoDbTaskStore.setFollowUp', () => {
  const cursorState = (): CursorState => ({
    baselineDone: true,
    lastCycleAt: '2024-05-01T12:00:00.000Z',
    watermarkMs: NOW_MS - 60_000,
    lastFullResyncMs: NOW_MS - 60_000,
    jobs: new Map(),
  });
  const followUp = (chain: string): FollowUp => ({ chain, dueMs: NOW_MS + 15_000 });
  const withCursor = async (recorded: string | null) => {
    await store.saveCursor(target, cursorState(), { expectedRevision: null, nowMs: NOW_MS });
    if (recorded !== null) expect(await store.setFollowUp(target, followUp(recorded), null)).toBe(true);
  };

  it.each<[string, string | null, FollowUp | null, string | null, boolean, string | null]>([
    ['records one where none is, when none is expected', null, followUp('b'), null, true, 'b'],
    ['refuses to record one when none is expected but one is', 'a', followUp('b'), null, false, 'a'],
    ['replaces the expected one', 'a', followUp('b'), 'a', true, 'b'],
    ['refuses to replace another one', 'x', followUp('b'), 'a', false, 'x'],
    ['refuses to replace one that is gone', null, followUp('b'), 'a', false, null],
    ['removes the expected one', 'a', null, 'a', true, null],
    ['refuses to remove another one', 'x', null, 'a', false, 'x'],
  ])('%s', async (_, recorded, next, expected, answer, left) => {
    await withCursor(recorded);
    expect(await store.setFollowUp(target, next, expected)).toBe(answer);
    expect((await store.getCursor(target))?.followUp?.chain ?? null).toBe(left);
  });

  it('records nothing for a target never cycled', async () => {
    expect(await store.setFollowUp(target, followUp('a'), null)).toBe(false);
    expect(await store.getCursor(target)).toBeNull();
  });

  it('sends nothing to remove a follow-up when none is expected', async () => {
    const { result, usage } = await measureStoreUsage(() => store.setFollowUp(target, null, null));
    expect(result).toBe(true);
    expect(usage.requests).toBe(0);
  });

  it('touches neither the lease, the digest nor the revision, and the cycle writes keep it', async () => {
    await withCursor(null);
    const lease: Lease = { owner: 'cycle-a', untilMs: NOW_MS + 30_000, intent: ['job-1'] };
    expect(await store.takeLease(target, lease, 1, NOW_MS)).toBe(true);
    const before = await store.getCursor(target);
    const { usage } = await measureStoreUsage(() => store.setFollowUp(target, followUp('a'), null));
    expect(usage).toMatchObject({ writeRequests: 1, writeUnits: 1 });
    expect(await store.getCursor(target)).toEqual({ ...before, followUp: followUp('a') });
    // The holder's cursor write frees the lease and leaves the follow-up as it is.
    expect(
      await store.saveCursor(target, cursorState(), {
        expectedRevision: 2,
        leaseOwner: 'cycle-a',
        nowMs: NOW_MS,
      }),
    ).toBe(true);
    expect(await store.getCursor(target)).toMatchObject({
      revision: 3,
      lease: null,
      followUp: followUp('a'),
    });
    expect(await store.takeLease(target, lease, 3, NOW_MS)).toBe(true);
    expect((await store.getCursor(target))?.followUp).toEqual(followUp('a'));
  });
});

describe('DynamoDbTaskStore.loadJobs', () => {
  it('returns an empty map for an unknown target and skips the cursor item', async () => {
    await store.takeLease(target, { owner: 'cycle-a', untilMs: NOW_MS, intent: [] }, null, NOW_MS);
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

  it('counts refused conditional writes as requests', async () => {
    await store.recordJob(target, record(state(), [], null));
    const { usage } = await measureStoreUsage(() => store.recordJob(target, record(state(), [], null)));
    expect(usage).toMatchObject({ requests: 1, writeUnits: 1 });
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
      });
      expect(done?.pending).toEqual([event]);
      expect(await store.markPublished(realTarget, running.id, [event.id])).toBe(0);
    });
    expect(usage).toMatchObject({ writeRequests: 2, writeUnits: 2 });
  });
});
