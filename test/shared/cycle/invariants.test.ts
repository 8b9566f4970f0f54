import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../local/dynalite';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { pollTarget } from '../../../shared/cycle/cycle';
import type { JobEvent } from '../../../shared/job-event';
import type { JobsApi } from '../../../shared/jobs/jobs-client';
import { DynamoDbTaskStore } from '../../../shared/store/dynamodb-store';
import type { TaskStore } from '../../../shared/store/task-store';
import { collectingPublisher } from '../../support/collecting-publisher';
import { useWatcherWorld } from '../../support/watcher-world';

// The five invariants of shared/cycle/cycle.ts, one test each, named by number.
const world = useWatcherWorld();
const minutesAgo = (minutes: number) => formatHuaweiTime(Date.now() - minutes * 60_000);
const finished = (status = 'Completed') => ({ status, progress: '', end_time: minutesAgo(0) });
const kinds = (events: readonly JobEvent[]) => events.map((event) => event.type.split('.').pop());

/** The store with one method replaced. */
function replacing<K extends keyof TaskStore>(store: TaskStore, name: K, method: TaskStore[K]): TaskStore {
  return Object.create(store, { [name]: { value: method } }) as TaskStore;
}

describe('the five invariants of the poll', () => {
  it('invariant 1: an event is on its job item before it is published, and goes out again under the same id', async () => {
    const { deps, target, projectId, publisher, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, finished());

    const seenAtPublish: number[] = [];
    const watching = collectingPublisher('watching');
    const original = watching.publish.bind(watching);
    watching.publish = async (events, options) => {
      seenAtPublish.push((await store.getJob(target, job.id))?.pending.length ?? 0);
      watching.failNext();
      return original(events, options);
    };
    await pollTarget({ ...deps, publishers: [watching] }, target);
    expect(seenAtPublish).toEqual([1]);
    const [pending] = (await store.getJob(target, job.id))?.pending ?? [];

    await pollTarget(deps, target);
    expect(publisher.events.map((event) => event.id)).toEqual([pending?.id]);
  });

  it('invariant 2: the pending set names a job from before its events are written until they are published', async () => {
    const { deps, target, projectId, publisher, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, finished('Failed'));

    const namedAtWrite: boolean[] = [];
    const dying = replacing(store, 'recordJob', async (...args) => {
      namedAtWrite.push(
        (await store.getCursor(target))?.pending.some((entry) => entry.jobId === job.id) ?? false,
      );
      await store.recordJob(...args);
      throw new Error('process killed after its write');
    });
    await pollTarget({ ...deps, store: dying, now: () => Date.now() }, target).catch(() => undefined);
    expect(namedAtWrite).toEqual([true]);
    expect((await store.getCursor(target))?.pending.map((entry) => entry.jobId)).toEqual([job.id]);

    // The next poll, once the dead one's claim has expired, publishes it and empties the set.
    const later = () => Date.now() + deps.options.leaseSeconds * 1000 + 60_000;
    await pollTarget({ ...deps, now: later }, target);
    expect(kinds(publisher.events)).toEqual(['failed']);
    expect((await store.getCursor(target))?.pending).toEqual([]);
  });

  it('invariant 3: a poll whose write is refused never diffs its old snapshot against newer state', async () => {
    const { deps, target, projectId, publisher, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, { status: 'Suspended', progress: '' });

    // Another writer records the job Completed between this poll's diff and its write.
    const raced = replacing(store, 'recordJob', async (jobTarget, record) => {
      const current = await store.getJob(jobTarget, job.id);
      if (current === null) throw new Error('the job should be stored');
      const done = {
        ...current.job,
        status: 'Completed',
        progress: null,
        end_time: new Date().toISOString(),
      };
      await store.recordJob(jobTarget, {
        state: { job: done, progressStep: null, stalledReported: false, occurrences: {} },
        events: [],
        expectedVersion: current.version,
        writer: 'another-writer',
      });
      return store.recordJob(jobTarget, record);
    });
    const report = await pollTarget({ ...deps, store: raced }, target);
    expect(report).toMatchObject({ recordedJobs: 0, published: 0 });
    expect((await store.getJob(target, job.id))?.job.status).toBe('Completed');
    expect(publisher.events).toEqual([]);
  });

  it('invariant 4: a claim, a job write and a cursor write the SDK retried after they landed count as done', async () => {
    const { deps, target, projectId, publisher, tableName } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, finished());

    // Every write lands, then its first answer is lost: the SDK sends it again, and the condition of
    // the second attempt finds the item the first one wrote.
    const client = localDynamoClient(world.dynaliteEndpoint);
    const lost: string[] = [];
    let writes = 0;
    type Middleware = Parameters<typeof client.middlewareStack.addRelativeTo>[0];
    const loseFirstAnswer =
      (next: (args: object) => Promise<object>, context: { commandName?: string }) =>
      async (args: object) => {
        const out = await next(args);
        const name = context.commandName ?? '';
        if (/Update|Put/.test(name) && writes++ % 2 === 0) {
          lost.push(name);
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
        }
        return out;
      };
    client.middlewareStack.addRelativeTo(loseFirstAnswer as unknown as Middleware, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'loseTheAnswer',
    });
    const flaky = new DynamoDbTaskStore({ tableName, client });
    const report = await pollTarget({ ...deps, store: flaky }, target);
    client.destroy();

    // The claim, the job write and the cursor write (and the idempotent mark) each landed twice.
    expect(lost.length).toBeGreaterThanOrEqual(3);
    expect(report).toMatchObject({ outcome: 'done', published: 1 });
    expect(kinds(publisher.events)).toEqual(['completed']);
    expect((await deps.store.getCursor(target))?.claim).toBeNull();
  });

  it('invariant 5: a poll reads what fits its deadline, and the target still advances at every tick', async () => {
    let nowMs = Date.now();
    const { deps, target, projectId, publisher } = await world.fresh({ pageSize: 10 }, () => nowMs);
    // 300 running jobs and a slow API: 2 s a request on the poll's clock, 30 s to the deadline.
    for (let index = 0; index < 300; index++) {
      world.simulator.addJob(projectId, {
        start_time: formatHuaweiTime(Date.now() - (600 + index) * 60_000),
      });
    }
    const slow: JobsApi = {
      listJobs: async (query, options) => {
        nowMs += 2_000;
        return deps.api.listJobs(query, options);
      },
      scanJobs: async (window, options) => {
        const scan = await deps.api.scanJobs(window, options);
        nowMs += 2_000 * scan.requests;
        return scan;
      },
    };
    const tick = async () => {
      nowMs += 60_000;
      const deadlineMs = nowMs + 30_000;
      const report = await pollTarget({ ...deps, api: slow, deadlineMs }, target);
      // No request starts past the deadline: the last one ends at most one request (2 s) after it.
      expect(nowMs).toBeLessThanOrEqual(deadlineMs + 2_000);
      return report;
    };
    const reports = [];
    for (let poll = 0; poll < 8; poll++) reports.push(await tick());
    for (const report of reports) expect(report).toMatchObject({ jobErrors: [] });
    for (const report of reports) expect(report.apiRequests).toBeLessThanOrEqual(15);
    // The baseline's running scan went through in slices, a few polls long.
    expect(reports.at(-1)?.baseline).toBe(false);
    expect(reports.some((report) => report.baseline && report.outcome === 'done')).toBe(true);

    const fresh = world.simulator.addJob(projectId, { start_time: formatHuaweiTime(nowMs - 30_000) });
    world.simulator.updateJob(projectId, fresh.id, finished());
    await tick();
    expect(publisher.events.map((event) => event.subject)).toContain(fresh.id);
  });
});
