import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { pollTarget } from '../../../shared/cycle/cycle';
import type { JobEvent } from '../../../shared/job-event';
import type { JobsApi } from '../../../shared/jobs/jobs-client';
import type { TaskStore } from '../../../shared/store/task-store';
import { collectingPublisher } from '../../support/collecting-publisher';
import { useWatcherWorld } from '../../support/watcher-world';

const world = useWatcherWorld();
const minutesAgo = (minutes: number) => formatHuaweiTime(Date.now() - minutes * 60_000);
const types = (events: readonly JobEvent[]) => events.map((event) => event.type.split('.').pop());
const finished = (status = 'Completed') => ({ status, progress: '', end_time: minutesAgo(0) });

describe('pollTarget between full resyncs', () => {
  it('reads one item, sends one request and writes nothing when nothing changed', async () => {
    const { deps, target, projectId } = await world.fresh();
    for (let i = 0; i < 30; i++) {
      world.simulator.addJob(projectId, {
        status: i % 5 === 0 ? 'Failed' : 'Completed',
        start_time: minutesAgo(60 * i + 5),
      });
    }
    world.simulator.addJob(projectId, { status: 'Running', start_time: minutesAgo(3) });
    // The first poll records its open jobs, and the jobs of the newest start it lists (here the same).
    expect(await pollTarget(deps, target)).toMatchObject({
      scanKind: 'full',
      baseline: true,
      recordedJobs: 1,
    });

    const idle = await pollTarget(deps, target);
    expect(idle).toMatchObject({
      outcome: 'idle',
      scanKind: 'incremental',
      apiRequests: 1,
      pages: 1,
      ddbReadRequests: 1,
      ddbWriteRequests: 0,
      ddbWriteUnits: 0,
      runningJobs: 1,
    });
    expect(idle.ddbReadUnits).toBeLessThanOrEqual(1);
  });

  it('writes the claim once, each changed job twice (record, mark) and the cursor once', async () => {
    const { deps, target, projectId, publisher } = await world.fresh();
    const jobs = [3, 4, 6].map((minutes) =>
      world.simulator.addJob(projectId, { start_time: minutesAgo(minutes) }),
    );
    await pollTarget(deps, target);
    for (const job of jobs) world.simulator.updateJob(projectId, job.id, finished());

    const busy = await pollTarget(deps, target);
    expect(busy).toMatchObject({
      outcome: 'done',
      scanKind: 'incremental',
      transitions: { completed: 3 },
      published: 3,
      ddbReadRequests: 1,
      ddbWriteRequests: 2 * 3 + 2,
      runningJobs: 0,
    });
    expect(types(publisher.events)).toEqual(['completed', 'completed', 'completed']);
  });

  it('announces a new job once and remembers it without reading job items', async () => {
    const { deps, target, projectId, publisher } = await world.fresh();
    world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(30) });
    await pollTarget(deps, target);
    const job = world.simulator.addJob(projectId, { name: 'RestartInstance', start_time: minutesAgo(0) });

    expect(await pollTarget(deps, target)).toMatchObject({ transitions: { started: 1 }, ddbReadRequests: 1 });
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', ddbWriteRequests: 0 });
    world.simulator.updateJob(projectId, job.id, finished());
    expect(await pollTarget(deps, target)).toMatchObject({ transitions: { completed: 1 } });
    expect(types(publisher.events)).toEqual(['started', 'completed']);
  });

  it('looks running jobs that started long before the newest one up by id', async () => {
    const { deps, target, projectId, publisher } = await world.fresh();
    const old = world.simulator.addJob(projectId, {
      name: 'RestoreNewInstance',
      start_time: minutesAgo(600),
    });
    world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(2) });
    await pollTarget(deps, target);

    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', apiRequests: 2, runningJobs: 1 });
    world.simulator.updateJob(projectId, old.id, finished('Failed'));
    expect(await pollTarget(deps, target)).toMatchObject({ transitions: { failed: 1 }, runningJobs: 0 });
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', apiRequests: 1 });
    expect(publisher.events.map((event) => event.subject)).toEqual([old.id]);
  });
  it('replays events a crashed poll left pending, found through the pending set once its claim ended', async () => {
    let nowMs = Date.now();
    const { deps, target, projectId, publisher } = await world.fresh({}, () => nowMs);
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, finished('Failed'));
    const killed = (): Promise<never> => Promise.reject(new Error('process killed'));
    // Published, then the mark and the cursor write failed: only the job item knows.
    const dying: TaskStore = Object.create(deps.store, {
      markPublished: { value: killed },
      saveCursor: { value: killed },
    });
    await expect(pollTarget({ ...deps, store: dying }, target)).rejects.toThrow(/save-cursor/);
    // The dead cycle's lease still runs: the next cycle leaves the target to it.
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'skipped', apiRequests: 0 });

    nowMs += deps.options.leaseSeconds * 1000;
    const replay = await pollTarget(deps, target);
    expect(replay).toMatchObject({ outcome: 'done', recordedJobs: 0, published: 1, pendingLeft: 0 });
    expect(new Set(publisher.events.map((event) => event.id)).size).toBe(1);
    expect(publisher.events).toHaveLength(2);
  });
});

describe('pollTarget against overlapping and dead cycles', () => {
  it('leaves a job to the next cycle rather than move it back when its scan is older', async () => {
    const { deps, target, projectId, publisher, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    // This cycle scans while the job runs; before it records, another cycle sees it completed.
    let overtaken = false;
    const staleScan: JobsApi = {
      listJobs: async (query) => {
        if (overtaken) return deps.api.listJobs(query);
        overtaken = true;
        world.simulator.updateJob(projectId, job.id, { progress: '60%' });
        const page = await deps.api.listJobs(query);
        world.simulator.updateJob(projectId, job.id, finished());
        await pollTarget(deps, target);
        return page;
      },
      scanJobs: (window) => deps.api.scanJobs(window),
    };
    await pollTarget(
      { ...deps, api: staleScan, options: { ...deps.options, progressStepPercent: 50 } },
      target,
    );
    await pollTarget(deps, target);

    expect(types(publisher.events)).toEqual(['completed']);
    expect((await store.getJob(target, job.id))?.job.status).toBe('Completed');
  });

  it('replays what a dead cycle recorded for a job that then left the window', async () => {
    let nowMs = Date.now();
    const { deps, target, projectId, publisher } = await world.fresh({}, () => nowMs);
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, finished('Failed'));
    const killed = (): Promise<never> => Promise.reject(new Error('process killed'));
    const dead = collectingPublisher('dead');
    dead.failNext();
    const dying: TaskStore = Object.create(deps.store, { saveCursor: { value: killed } });
    await expect(pollTarget({ ...deps, store: dying, publishers: [dead] }, target)).rejects.toThrow(
      /save-cursor/,
    );
    world.simulator.removeJob(projectId, job.id);

    nowMs += deps.options.leaseSeconds * 1000;
    expect(await pollTarget(deps, target)).toMatchObject({ published: 1, runningJobs: 0 });
    expect(types(publisher.events)).toEqual(['failed']);
  });
});

describe('pollTarget full resync', () => {
  it('runs every fullResyncSeconds and catches a job the new-jobs scan missed', async () => {
    let nowMs = Date.now();
    const at = (minutesFromNow: number) => formatHuaweiTime(nowMs + minutesFromNow * 60_000);
    const { deps, target, projectId, publisher } = await world.fresh(
      { fullResyncSeconds: 1800 },
      () => nowMs,
    );
    world.simulator.addJob(projectId, { status: 'Completed', start_time: at(-1) });
    const baselineMs = nowMs;
    await pollTarget(deps, target);
    // Later jobs move the watermark on; then the API lists, late, a job that started after the
    // baseline but before the new-jobs scan's reach.
    nowMs += 30 * 60_000;
    world.simulator.addJob(projectId, { status: 'Completed', start_time: at(-1) });
    await pollTarget(deps, target);
    world.simulator.addJob(projectId, {
      name: 'BackupInstance',
      status: 'Completed',
      start_time: formatHuaweiTime(baselineMs + 60_000),
    });

    expect(await pollTarget(deps, target)).toMatchObject({ scanKind: 'incremental', outcome: 'idle' });
    // Each target resyncs a fixed share (up to a quarter) early, so targets drift apart.
    nowMs += 30 * 60_000;
    expect(await pollTarget(deps, target)).toMatchObject({
      scanKind: 'full',
      baseline: false,
      transitions: { completed: 1 },
    });
    expect(types(publisher.events)).toEqual(['completed', 'completed']);
    expect(await pollTarget(deps, target)).toMatchObject({ scanKind: 'incremental', outcome: 'idle' });
  });

  it('reports nothing for jobs gone from the API, and forgets them once their start leaves the window', async () => {
    let nowMs = Date.now();
    const { deps, target, projectId, publisher, store } = await world.fresh(
      { fullResyncSeconds: 600 },
      () => nowMs,
    );
    const running = world.simulator.addJob(projectId, { start_time: minutesAgo(4) });
    const done = world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    world.simulator.removeJob(projectId, running.id);
    world.simulator.removeJob(projectId, done.id);

    expect(await pollTarget(deps, target)).toMatchObject({
      outcome: 'idle',
      runningJobs: 1,
      ddbWriteRequests: 0,
    });
    expect((await store.getCursor(target))?.jobs?.has(done.id)).toBe(true);
    nowMs += 31 * 24 * 3600_000;
    await pollTarget(deps, target);
    expect((await store.getCursor(target))?.jobs?.size).toBe(0);
    expect(publisher.events).toEqual([]);
  });

  it('takes over a cursor written by an earlier version with a new silent baseline', async () => {
    const { deps, target, projectId, publisher, tableName, client } = await world.fresh();
    // What an earlier version wrote: a cursor without revision or digest.
    await DynamoDBDocumentClient.from(client).send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `TARGET#ap-southeast-1#${projectId}`,
          sk: 'CURSOR',
          baseline_done: true,
          last_cycle_at: minutesAgo(1),
        },
      }),
    );
    world.simulator.addJob(projectId, { start_time: minutesAgo(1) });

    expect(await pollTarget(deps, target)).toMatchObject({ baseline: true, published: 0 });
    world.simulator.addJob(projectId, { start_time: minutesAgo(0) });
    expect(await pollTarget(deps, target)).toMatchObject({ scanKind: 'incremental', published: 1 });
    expect(types(publisher.events)).toEqual(['started']);
  });
});
