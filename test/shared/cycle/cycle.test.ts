import { describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { type CycleDeps, pollTarget } from '../../../shared/cycle/cycle';
import { CycleError } from '../../../shared/cycle/errors';
import type { JobEvent } from '../../../shared/job-event';
import type { TaskStore } from '../../../shared/store/task-store';
import { collectingPublisher } from '../../support/collecting-publisher';
import { assertValidEvent } from '../../support/event-schema';
import { useWatcherWorld } from '../../support/watcher-world';

const world = useWatcherWorld();
const minutesAgo = (minutes: number) => formatHuaweiTime(Date.now() - minutes * 60_000);
const types = (events: readonly JobEvent[]) => events.map((event) => event.type.split('.').pop());

describe('pollTarget', () => {
  it('records a silent baseline on the first cycle, then stays idle while nothing changes', async () => {
    const { deps, target, publisher, projectId, store } = await world.fresh();
    world.simulator.addJob(projectId, {
      name: 'BackupInstance',
      status: 'Completed',
      start_time: minutesAgo(50),
    });
    world.simulator.addJob(projectId, {
      name: 'RestartInstance',
      status: 'Running',
      start_time: minutesAgo(2),
    });

    // The running job is recorded; the finished one, older than the new-jobs scan's reach, is left alone.
    const first = await pollTarget(deps, target);
    expect(first).toMatchObject({
      outcome: 'done',
      baseline: true,
      fetchedJobs: 2,
      recordedJobs: 1,
      published: 0,
    });
    expect(publisher.events).toEqual([]);
    expect((await store.loadJobs(target)).size).toBe(1);

    const second = await pollTarget(deps, target);
    expect(second).toMatchObject({ outcome: 'idle', baseline: false, recordedJobs: 0, published: 0 });
    expect(publisher.events).toEqual([]);
  });

  it('announces every job of the first cycle when announceBaseline is on', async () => {
    const { deps, target, publisher, projectId } = await world.fresh({ announceBaseline: true });
    world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(30) });
    world.simulator.addJob(projectId, { status: 'Running', start_time: minutesAgo(1) });

    await pollTarget(deps, target);
    expect(types(publisher.events).sort()).toEqual(['completed', 'started']);
    for (const event of publisher.events) assertValidEvent(event);
  });

  it('publishes started, completed and failed with the contract fields when jobs move', async () => {
    const { deps, target, publisher, projectId } = await world.fresh();
    const backup = world.simulator.addJob(projectId, { name: 'BackupInstance', start_time: minutesAgo(3) });
    await pollTarget(deps, target);

    world.simulator.updateJob(projectId, backup.id, {
      status: 'Failed',
      progress: '',
      end_time: formatHuaweiTime(Date.parse(new Date().toISOString())),
      fail_reason: 'Backup timed out.',
    });
    const resize = world.simulator.addJob(projectId, { name: 'ResizeInstance', start_time: minutesAgo(0) });
    const report = await pollTarget(deps, target);

    expect(report).toMatchObject({
      outcome: 'done',
      published: 2,
      pendingLeft: 0,
      transitions: { failed: 1, started: 1 },
    });
    const failed = publisher.events.find((event) => event.subject === backup.id);
    expect(failed).toMatchObject({
      type: 'com.huaweicloud.geminidb.job.failed',
      source: `geminidb-job-watcher/ap-southeast-1/${projectId}`,
      data: { previous_status: 'Running', job: { status: 'Failed', fail_reason: 'Backup timed out.' } },
    });
    expect(failed?.data.duration_seconds).toBeGreaterThanOrEqual(170);
    expect(publisher.events.find((event) => event.subject === resize.id)?.type).toBe(
      'com.huaweicloud.geminidb.job.started',
    );

    world.simulator.updateJob(projectId, resize.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
    await pollTarget(deps, target);
    expect(types(publisher.events).slice(0, 2).sort()).toEqual(['failed', 'started']);
    expect(types(publisher.events)[2]).toBe('completed');
    for (const event of publisher.events) assertValidEvent(event);
  });

  it('keeps events pending when the sink fails and publishes them next cycle under the same ids', async () => {
    const { deps, target, publisher, projectId, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });

    publisher.failNext();
    const failing = await pollTarget(deps, target);
    expect(failing).toMatchObject({ published: 0, pendingLeft: 1, transitions: { completed: 1 } });
    expect(failing.publishErrors[0]).toMatch(/memory sink is down/);
    const pending = (await store.getJob(target, job.id))?.pending ?? [];
    expect(pending).toHaveLength(1);

    publisher.recover();
    const replay = await pollTarget(deps, target);
    expect(replay).toMatchObject({ outcome: 'done', published: 1, pendingLeft: 0, recordedJobs: 0 });
    expect(publisher.events.map((event) => event.id)).toEqual([pending[0]?.id]);
    expect((await store.getJob(target, job.id))?.pending).toEqual([]);
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', published: 0 });
  });

  it('republishes under the original id when a cycle dies after publishing but before marking', async () => {
    const { deps, target, publisher, projectId } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });

    const crashingStore: TaskStore = Object.create(deps.store, {
      markPublished: { value: async () => Promise.reject(new Error('process killed')) },
    });
    const crashed = await pollTarget({ ...deps, store: crashingStore }, target);
    expect(crashed.jobErrors).toEqual([`job ${job.id}: mark failed: process killed`]);
    expect(crashed.publishErrors).toEqual([]);

    await pollTarget(deps, target);
    const ids = publisher.events.map((event) => event.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });

  it('publishes each transition once when two cycles run at once on one target', async () => {
    const { deps, target, projectId } = await world.fresh();
    const jobs = Array.from({ length: 6 }, (_, index) =>
      world.simulator.addJob(projectId, { start_time: minutesAgo(index + 1) }),
    );
    await pollTarget(deps, target);
    const other = collectingPublisher('other');
    for (const [index, job] of jobs.entries()) {
      const status = index % 2 === 0 ? 'Completed' : 'Failed';
      world.simulator.updateJob(projectId, job.id, { status, progress: '', end_time: minutesAgo(0) });
      const [a, b] = await Promise.all([
        pollTarget(deps, target),
        pollTarget({ ...deps, publishers: [other] } satisfies CycleDeps, target),
      ]);
      expect([a.outcome, b.outcome]).toContain('done');
    }
    const all = [...(deps.publishers[0] as ReturnType<typeof collectingPublisher>).events, ...other.events];
    expect(all).toHaveLength(6);
    expect(new Set(all.map((event) => event.id)).size).toBe(6);
  });

  it("leaves a target to a live poll's claim, and replays what that poll left once the claim ends", async () => {
    let nowMs = Date.now();
    const { deps, target, publisher, projectId } = await world.fresh({ leaseSeconds: 30 }, () => nowMs);
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });

    // A cycle killed after recording: its sink refused, and it never wrote its cursor.
    const killed = (): Promise<never> => Promise.reject(new Error('process killed'));
    const dyingStore: TaskStore = Object.create(deps.store, { saveCursor: { value: killed } });
    const dead = collectingPublisher('dead');
    dead.failNext();
    await expect(pollTarget({ ...deps, store: dyingStore, publishers: [dead] }, target)).rejects.toThrow(
      /save-cursor failed: Error: process killed/,
    );

    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'skipped', published: 0 });
    expect(publisher.events).toEqual([]);

    nowMs += 31_000;
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'done', published: 1 });
    expect(types(publisher.events)).toEqual(['completed']);
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', published: 0 });
  });

  it('publishes events left pending once when two cycles replay them at once', async () => {
    const { deps, target, publisher, projectId } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, { status: 'Failed', progress: '', end_time: minutesAgo(0) });
    publisher.failNext();
    expect(await pollTarget(deps, target)).toMatchObject({ pendingLeft: 1 });
    publisher.recover();

    const other = collectingPublisher('other');
    await Promise.all([pollTarget(deps, target), pollTarget({ ...deps, publishers: [other] }, target)]);
    expect([...publisher.events, ...other.events].map((event) => event.data.job.status)).toEqual(['Failed']);
  });

  it('fails with the target and step named and writes nothing when the API keeps failing', async () => {
    const { deps, target, publisher, projectId, store } = await world.fresh();
    world.simulator.addJob(projectId, { start_time: minutesAgo(5) });
    world.simulator.injectNext(
      Array.from({ length: 4 }, () => ({ status: 200, body: '<html>Bad gateway</html>' })),
    );

    const error = await pollTarget(deps, target).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CycleError);
    expect((error as CycleError).message).toMatch(
      new RegExp(`^target ap-southeast-1/${projectId}: fetch failed: MalformedJobsResponseError`),
    );
    expect(await store.getCursor(target)).toBeNull();
    expect((await store.loadJobs(target)).size).toBe(0);
    expect(publisher.events).toEqual([]);
  });
});
