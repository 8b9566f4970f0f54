import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent } from '../../../shared/build-event';
import type { Job } from '../../../shared/job';
import type { JobEvent } from '../../../shared/job-event';
import { DynamoDbTaskStore } from '../../../shared/store/dynamodb-store';
import { LeaseLostError, StoreTableNotFoundError, StoreThrottledError } from '../../../shared/store/errors';
import { STATE_TTL_SECONDS } from '../../../shared/store/table';
import type { CursorState, JobDigest, JobRecord } from '../../../shared/store/task-store';
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
  return { job: job(overrides), progressStep: null, stalledReported: false, ...extra };
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
    const running = state({ progress: 60 }, { progressStep: 50, stalledReported: true });
    expect(await store.recordJob(target, record(running, ['e-b', 'e-a', 'e-c'], null))).toMatchObject({
      version: 1,
      unownedPending: 0,
    });

    const loaded = await store.loadJobs(target);
    expect([...loaded.keys()]).toEqual(['job-1']);
    expect(loaded.get('job-1')).toEqual({
      ...running,
      version: 1,
      pending: [event('e-b', running), event('e-a', running), event('e-c', running)],
    });
    expect(await store.getJob(target, 'job-1')).toEqual(loaded.get('job-1'));
  });

  it('keeps pending in order across records and bumps the version each time', async () => {
    await store.recordJob(target, record(state(), ['e-9', 'e-1'], null));
    const done = state({ status: 'Completed', progress: null, end_time: '2024-05-01T11:30:00.000Z' });
    expect(await store.recordJob(target, record(done, ['e-0', 'e-5'], 1))).toMatchObject({ version: 2 });

    const stored = await store.getJob(target, 'job-1');
    expect(stored?.version).toBe(2);
    expect(stored?.job).toEqual(done.job);
    expect(stored?.pending.map((e) => e.id)).toEqual(['e-9', 'e-1', 'e-0', 'e-5']);
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

  it('sets pending_since and updated_at from the clock, and keeps the oldest pending_since', async () => {
    let nowMs = NOW_MS;
    store = new DynamoDbTaskStore({ tableName, client: dynalite.client, now: () => nowMs });
    await store.recordJob(target, record(state(), ['e-1'], null));
    nowMs += 60_000;
    await store.recordJob(target, record(state({ progress: 50 }), ['e-2'], 1));

    const item = await rawItem('JOB#job-1');
    expect(item?.pending_since).toBe('2024-05-01T12:00:00.000Z');
    expect(item?.updated_at).toBe('2024-05-01T12:01:00.000Z');
  });

  it('leaves pending_since absent when a new job has no events', async () => {
    await store.recordJob(target, record(state(), [], null));
    const item = await rawItem('JOB#job-1');
    expect(item).toBeDefined();
    expect(item?.pending).toEqual({});
    expect(item).not.toHaveProperty('pending_since');
  });

  it.each([
    { status: 'Completed', expires: true },
    { status: 'Failed', expires: true },
    { status: 'Running', expires: false },
    { status: 'Paused', expires: false },
  ])('sets expires_at only for a finished job: $status -> $expires', async ({ status, expires }) => {
    await store.recordJob(target, record(state({ status }), [], null));
    const item = await rawItem('JOB#job-1');
    if (expires) expect(item?.expires_at).toBe(NOW_MS / 1000 + STATE_TTL_SECONDS);
    else expect(item).not.toHaveProperty('expires_at');
  });

  it('removes expires_at when an update leaves the job unfinished, and sets it when it finishes', async () => {
    await store.recordJob(target, record(state({ status: 'Failed' }), [], null));
    await store.recordJob(target, record(state({ status: 'Running' }), [], 1));
    expect(await rawItem('JOB#job-1')).not.toHaveProperty('expires_at');

    await store.recordJob(target, record(state({ status: 'Completed' }), [], 2));
    expect((await rawItem('JOB#job-1'))?.expires_at).toBe(NOW_MS / 1000 + STATE_TTL_SECONDS);
  });
});

describe('DynamoDbTaskStore.markPublished', () => {
  it('removes exactly the given ids and keeps pending_since while some remain', async () => {
    await store.recordJob(target, record(state(), ['e-1', 'e-2', 'e-3'], null));
    await store.markPublished(target, 'job-1', ['e-1', 'e-3']);

    expect((await store.getJob(target, 'job-1'))?.pending.map((e) => e.id)).toEqual(['e-2']);
    expect((await rawItem('JOB#job-1'))?.pending_since).toBe('2024-05-01T12:00:00.000Z');
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

  it('clears pending_since once the outbox is empty', async () => {
    await store.recordJob(target, record(state(), ['e-1', 'e-2'], null));
    await store.markPublished(target, 'job-1', ['e-1', 'e-2']);

    const item = await rawItem('JOB#job-1');
    expect(item?.pending).toEqual({});
    expect(item).not.toHaveProperty('pending_since');
    expect((await store.getJob(target, 'job-1'))?.pending).toEqual([]);
  });

  it('sets pending_since again when events are recorded after the outbox emptied', async () => {
    await store.recordJob(target, record(state(), ['e-1'], null));
    await store.markPublished(target, 'job-1', ['e-1']);
    await store.recordJob(target, record(state({ progress: 90 }), ['e-2'], 1));

    expect((await rawItem('JOB#job-1'))?.pending_since).toBe('2024-05-01T12:00:00.000Z');
  });

  it('does not create an item for an unknown job and ignores an empty id list', async () => {
    await store.markPublished(target, 'ghost', ['e-1']);
    await store.markPublished(target, 'ghost', []);
    expect(await rawItem('JOB#ghost')).toBeUndefined();
  });
});

describe('DynamoDbTaskStore leases and cursor', () => {
  it('has no cursor for a target never cycled', async () => {
    expect(await store.getCursor(target)).toBeNull();
  });

  it('grants a free lease and creates the cursor', async () => {
    expect(await store.acquireLease(target, 'cycle-a', NOW_MS, 30)).toBe(true);
    expect(await store.getCursor(target)).toEqual({
      baselineDone: false,
      lastCycleAt: null,
      leaseOwner: 'cycle-a',
      leaseUntilMs: NOW_MS + 30_000,
    });
  });

  it('refuses a second owner while the lease runs, but lets the holder renew it', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
    expect(await store.acquireLease(target, 'cycle-b', NOW_MS + 29_999, 30)).toBe(false);
    expect(await store.acquireLease(target, 'cycle-a', NOW_MS + 10_000, 30)).toBe(true);
    expect((await store.getCursor(target))?.leaseUntilMs).toBe(NOW_MS + 40_000);
  });

  it('lets another owner take over an expired lease', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
    expect(await store.acquireLease(target, 'cycle-b', NOW_MS + 30_000, 30)).toBe(true);
    expect((await store.getCursor(target))?.leaseOwner).toBe('cycle-b');
  });

  it('keeps leases of different targets apart', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
    expect(await store.acquireLease(otherTarget, 'cycle-b', NOW_MS, 30)).toBe(true);
  });

  it('throws LeaseLostError when the lease was taken over before release', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
    await store.acquireLease(target, 'cycle-b', NOW_MS + 31_000, 30);

    const release = store.releaseLease(target, 'cycle-a', {
      baselineDone: true,
      lastCycleAt: '2024-05-01T12:00:31.000Z',
    });
    await expect(release).rejects.toBeInstanceOf(LeaseLostError);
    await expect(release).rejects.toThrow(/cycle-a/);
    expect(await store.getCursor(target)).toMatchObject({ leaseOwner: 'cycle-b', baselineDone: false });
  });

  it('throws LeaseLostError when releasing a lease never taken', async () => {
    const release = store.releaseLease(target, 'cycle-a', { baselineDone: true, lastCycleAt: 'x' });
    await expect(release).rejects.toMatchObject({
      name: 'LeaseLostError',
      cause: expect.objectContaining({ name: 'ConditionalCheckFailedException' }),
    });
  });

  it('frees the lease on release and records how the cycle ended', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
    await store.releaseLease(target, 'cycle-a', {
      baselineDone: true,
      lastCycleAt: '2024-05-01T12:00:05.000Z',
    });

    expect(await store.getCursor(target)).toEqual({
      baselineDone: true,
      lastCycleAt: '2024-05-01T12:00:05.000Z',
      leaseOwner: null,
      leaseUntilMs: null,
    });
    expect(await store.acquireLease(target, 'cycle-b', NOW_MS + 1, 30)).toBe(true);
    expect((await store.getCursor(target))?.baselineDone).toBe(true);
  });
});

describe('DynamoDbTaskStore.loadJobs', () => {
  it('returns an empty map for an unknown target and skips the cursor item', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
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
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);

    store.resetUsage();
    const jobs = await store.loadJobs(target);
    expect(jobs.size).toBe(300);
    expect([...jobs.keys()].sort()).toEqual(ids);
    expect(jobs.get('job-299')?.job.fail_reason).toBe(failReason);
    expect(store.usage.requests).toBeGreaterThanOrEqual(2);
  });
});

describe('DynamoDbTaskStore.usage', () => {
  it('counts requests and consumed read and write units, and resets', async () => {
    expect(store.usage).toEqual({
      readUnits: 0,
      writeUnits: 0,
      requests: 0,
      readRequests: 0,
      writeRequests: 0,
    });
    await store.recordJob(target, record(state(), ['e-1'], null));
    expect(store.usage.writeUnits).toBeGreaterThan(0);
    expect(store.usage.readUnits).toBe(0);
    await store.getJob(target, 'job-1');
    await store.loadJobs(target);
    expect(store.usage.readUnits).toBeGreaterThan(0);
    expect(store.usage.requests).toBe(3);

    store.resetUsage();
    expect(store.usage).toEqual({
      readUnits: 0,
      writeUnits: 0,
      requests: 0,
      readRequests: 0,
      writeRequests: 0,
    });
  });

  it('counts refused conditional writes as requests', async () => {
    await store.recordJob(target, record(state(), [], null));
    store.resetUsage();
    await store.recordJob(target, record(state(), [], null));
    expect(store.usage.requests).toBe(1);
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

describe('DynamoDbTaskStore claims', () => {
  const claimA = { owner: 'cycle-a', untilMs: NOW_MS + 30_000 };
  const claimB = { owner: 'cycle-b', untilMs: NOW_MS + 60_000 };
  const claimed = (
    jobState: JobState,
    ids: string[],
    version: number | null,
    claim = claimA,
    nowMs = NOW_MS,
  ) => ({
    ...record(jobState, ids, version),
    claim,
    nowMs,
  });

  it('claims the events a record appends, and owns what was pending when no live claim holds it', async () => {
    expect(await store.recordJob(target, claimed(state(), ['e-1'], null))).toMatchObject({
      outbox: [{ id: 'e-1' }],
    });
    expect((await store.getJob(target, 'job-1'))?.claim).toEqual(claimA);
    await store.releaseClaim(target, 'job-1', 'cycle-a');

    const next = await store.recordJob(target, claimed(state({ progress: 90 }), ['e-2'], 1, claimB));
    expect(next?.outbox.map((e) => e.id)).toEqual(['e-1', 'e-2']);
    expect(next?.unownedPending).toBe(0);
    expect((await store.getJob(target, 'job-1'))?.claim).toEqual(claimB);
  });

  it('leaves events under another live claim out of the outbox and counts them', async () => {
    await store.recordJob(target, claimed(state(), ['e-1'], null));
    const next = await store.recordJob(
      target,
      claimed(state({ progress: 90 }), ['e-2'], 1, claimB, NOW_MS + 29_999),
    );
    expect(next?.outbox.map((e) => e.id)).toEqual(['e-2']);
    expect(next?.unownedPending).toBe(1);
  });

  it('takes over events whose claim has expired', async () => {
    await store.recordJob(target, claimed(state(), ['e-1'], null));
    const next = await store.recordJob(
      target,
      claimed(state({ progress: 90 }), ['e-2'], 1, claimB, NOW_MS + 30_000),
    );
    expect(next?.outbox.map((e) => e.id)).toEqual(['e-1', 'e-2']);
  });

  it('claims nothing with a record without events, leaving what was pending unowned', async () => {
    await store.recordJob(target, claimed(state(), ['e-1'], null));
    await store.releaseClaim(target, 'job-1', 'cycle-a');
    const next = await store.recordJob(target, claimed(state({ progress: 90 }), [], 1, claimB));
    expect(next).toEqual({ version: 2, outbox: [], unownedPending: 1 });
    expect(await rawItem('JOB#job-1')).not.toHaveProperty('claim_owner');
  });

  it('lets claimPending take pending events only once no other live claim holds them', async () => {
    await store.recordJob(target, claimed(state(), ['e-1'], null));
    expect(await store.claimPending(target, 'job-1', claimB, NOW_MS + 29_999)).toBeNull();

    const taken = await store.claimPending(target, 'job-1', claimB, NOW_MS + 30_000);
    expect(taken?.pending.map((e) => e.id)).toEqual(['e-1']);
    expect(taken?.claim).toEqual(claimB);
    expect(taken?.version).toBe(1);
    expect(
      await store.claimPending(target, 'job-1', { owner: 'cycle-c', untilMs: 1 }, NOW_MS + 30_000),
    ).toBeNull();
    expect(await store.claimPending(target, 'job-1', claimB, NOW_MS + 30_000)).not.toBeNull();
  });

  it('finds nothing to claim on an empty outbox or an unknown job, and creates no item', async () => {
    await store.recordJob(target, record(state(), [], null));
    expect(await store.claimPending(target, 'job-1', claimA, NOW_MS)).toBeNull();
    expect(await store.claimPending(target, 'ghost', claimA, NOW_MS)).toBeNull();
    expect(await rawItem('JOB#ghost')).toBeUndefined();
  });

  it('releases only its own claim', async () => {
    await store.recordJob(target, claimed(state(), ['e-1'], null));
    await store.releaseClaim(target, 'job-1', 'cycle-b');
    expect((await store.getJob(target, 'job-1'))?.claim).toEqual(claimA);
    await store.releaseClaim(target, 'job-1', 'cycle-a');
    expect((await store.getJob(target, 'job-1'))?.claim).toBeUndefined();
    await store.releaseClaim(target, 'ghost', 'cycle-a');
    expect(await rawItem('JOB#ghost')).toBeUndefined();
  });

  it('empties the outbox and drops the claim in one write when marking all of it', async () => {
    await store.recordJob(target, claimed(state(), ['e-1', 'e-2'], null));
    store.resetUsage();
    expect(await store.markPublished(target, 'job-1', ['e-2', 'e-1'])).toBe(0);
    expect(store.usage.writeRequests).toBe(1);
    const item = await rawItem('JOB#job-1');
    expect(item?.pending).toEqual({});
    expect(item).not.toHaveProperty('pending_since');
    expect(item).not.toHaveProperty('claim_owner');
  });

  it('answers how many events are left after marking some', async () => {
    await store.recordJob(target, claimed(state(), ['e-1', 'e-2', 'e-3'], null));
    expect(await store.markPublished(target, 'job-1', ['e-1'])).toBe(2);
    expect((await store.getJob(target, 'job-1'))?.claim).toEqual(claimA);
    expect(await store.markPublished(target, 'job-1', ['e-2', 'e-3', 'e-9'])).toBe(0);
    expect((await store.getJob(target, 'job-1'))?.claim).toBeUndefined();
  });
});

describe('DynamoDbTaskStore cursor', () => {
  const digest = (version: number, status: string, pending = false): JobDigest => ({
    version,
    status,
    progressStep: status === 'Running' ? 50 : null,
    stalledReported: false,
    startMs: Date.parse('2024-05-01T11:00:07.000Z'),
    pending,
  });
  const cursorState = (jobs: [string, JobDigest][]): CursorState => ({
    baselineDone: true,
    lastCycleAt: '2024-05-01T12:00:00.000Z',
    watermarkMs: Date.parse('2024-05-01T11:59:00.000Z'),
    lastFullResyncMs: NOW_MS - 60_000,
    jobs: new Map(jobs),
  });

  it('saves the digest, watermark and resync time and reads them back with a revision', async () => {
    const state = cursorState([
      ['job-1', digest(3, 'Running')],
      ['job-2', digest(1, 'Completed', true)],
    ]);
    expect(await store.saveCursor(target, state, null)).toBe(true);
    expect(await store.getCursor(target)).toEqual({
      ...state,
      revision: 1,
      leaseOwner: null,
      leaseUntilMs: null,
    });
  });

  it('refuses a write naming a stale revision', async () => {
    const state = cursorState([]);
    expect(await store.saveCursor(target, state, null)).toBe(true);
    expect(await store.saveCursor(target, state, null)).toBe(false);
    expect(await store.saveCursor(target, state, 1)).toBe(true);
    expect(await store.saveCursor(target, state, 1)).toBe(false);
    expect((await store.getCursor(target))?.revision).toBe(2);
  });

  it('takes over a cursor written before cursors had a revision', async () => {
    await store.acquireLease(target, 'cycle-a', NOW_MS, 30);
    await store.releaseLease(target, 'cycle-a', {
      baselineDone: true,
      lastCycleAt: '2024-05-01T11:00:00.000Z',
    });
    const legacy = await store.getCursor(target);
    expect(legacy).not.toHaveProperty('revision');
    expect(legacy).not.toHaveProperty('jobs');
    expect(await store.saveCursor(target, cursorState([]), null)).toBe(true);
    expect((await store.getCursor(target))?.revision).toBe(1);
  });

  it('reads a cursor of 40 jobs in one read unit', async () => {
    const jobs = Array.from({ length: 40 }, (_, i): [string, JobDigest] => [
      `6f85e061-04dd-42e7-86d6-${String(i).padStart(12, '0')}`,
      digest(12, 'Running'),
    ]);
    await store.saveCursor(target, cursorState(jobs), null);
    store.resetUsage();
    expect((await store.getCursor(target))?.jobs?.size).toBe(40);
    expect(store.usage.readUnits).toBe(1);
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
    const start = {
      state: { job: running, progressStep: null, stalledReported: false },
      events: [],
      expectedVersion: null,
    };
    await store.recordJob(realTarget, start);
    const transition = {
      type: 'completed' as const,
      job: completed,
      previousStatus: 'Running',
      progressStep: null,
    };
    const event = buildEvent(realTarget, transition, new Date(NOW_MS));
    store.resetUsage();
    const done = await store.recordJob(realTarget, {
      state: { job: completed, progressStep: null, stalledReported: false },
      events: [event],
      expectedVersion: 1,
      claim: { owner: randomUUID(), untilMs: NOW_MS + 120_000 },
      nowMs: NOW_MS,
    });
    expect(done?.outbox).toEqual([event]);
    expect(await store.markPublished(realTarget, running.id, [event.id])).toBe(0);
    expect(store.usage).toMatchObject({ writeRequests: 2, writeUnits: 2 });
  });
});
