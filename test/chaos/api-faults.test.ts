import { afterEach, describe, expect, it } from 'vitest';
import type { RawJob } from '../../local/simulator/raw-job';
import { type CycleDeps, type CycleReport, pollTarget } from '../../shared/cycle/cycle';
import { CycleError } from '../../shared/cycle/errors';
import {
  ApiFault,
  CHAOS_TIMEOUT_MS,
  type ChaosTarget,
  minutesAgo,
  useChaosWorld,
} from './support/chaos-world';
import { storeSnapshot, transitionsOf } from './support/snapshot';

// The jobs API misbehaving under the cycle: each fault either heals within the client's retries
// or fails the cycle before anything is committed; no fault loses or invents a transition.
const world = useChaosWorld();
afterEach(async () => {
  world.simulator.onPage = undefined;
  await world.drainInjected();
});

const MAX_ATTEMPTS = 4;

/** A target with `count` running jobs and a recorded baseline. */
async function withBaseline(count: number, options: Partial<ChaosTarget['options']> = {}) {
  const chaos = await world.fresh({ pageSize: 10, ...options });
  // Ahead of the wall clock, so a job the test adds "now" is inside the window, whole seconds and all.
  let nowMs = Date.now() + 5_000;
  const client = chaos.api({ maxAttempts: MAX_ATTEMPTS });
  const deps: CycleDeps = {
    store: chaos.store,
    api: client.api,
    publishers: [chaos.publisher],
    options: chaos.options,
    now: () => nowMs,
  };
  const jobs = Array.from({ length: count }, (_, index) =>
    world.simulator.addJob(chaos.projectId, {
      name: 'BackupInstance',
      start_time: minutesAgo(count - index),
    }),
  );
  expect(await pollTarget(deps, chaos.target)).toMatchObject({ outcome: 'done', baseline: true });
  return {
    ...chaos,
    deps,
    jobs,
    sleeps: client.sleeps,
    advanceMs: (ms: number) => {
      nowMs += ms;
    },
  };
}

function finish(projectId: string, job: RawJob, status: 'Completed' | 'Failed' = 'Completed'): void {
  world.simulator.updateJob(projectId, job.id, {
    status,
    progress: '',
    end_time: minutesAgo(0),
    fail_reason: status === 'Failed' ? 'Backup timed out.' : '',
  });
}

const faultTable = [
  ApiFault.Throttle,
  ApiFault.ServerError,
  ApiFault.HtmlPage,
  ApiFault.HtmlBadGateway,
  ApiFault.TruncatedJson,
  ApiFault.WrongTypes,
  ApiFault.Reset,
  ApiFault.Slow,
] as const;

describe('pollTarget on a failing jobs API', () => {
  it('waits what Retry-After asks on a 429 and then announces the transition once', async () => {
    const { deps, target, projectId, jobs, publisher, sleeps } = await withBaseline(1);
    finish(projectId, jobs[0] as RawJob);
    world.inject([ApiFault.Throttle, ApiFault.Throttle]);

    const report = await pollTarget(deps, target);
    expect(report).toMatchObject({ outcome: 'done', published: 1, apiRequests: 3 });
    expect(sleeps).toEqual([1000, 1000]);
    expect(transitionsOf(publisher.events)).toEqual(['completed Running -> Completed']);
  });

  it.each(faultTable)('heals %s within the retries and announces the transition once', async (fault) => {
    const { deps, target, projectId, jobs, publisher } = await withBaseline(2);
    finish(projectId, jobs[0] as RawJob, 'Failed');
    world.inject(Array.from({ length: MAX_ATTEMPTS - 1 }, () => fault));

    const report = await pollTarget(deps, target);
    expect(report).toMatchObject({ outcome: 'done', published: 1, apiRequests: MAX_ATTEMPTS });
    expect(transitionsOf(publisher.events)).toEqual(['failed Running -> Failed']);
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', published: 0 });
  });

  it.each(faultTable)(
    'fails cleanly on %s at every attempt: one line naming target and step, nothing committed',
    async (fault) => {
      const { deps, target, projectId, jobs, publisher, store } = await withBaseline(2);
      finish(projectId, jobs[1] as RawJob);
      const before = await storeSnapshot(store, target);
      world.inject(Array.from({ length: MAX_ATTEMPTS }, () => fault));

      const error = await pollTarget(deps, target).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CycleError);
      const message = (error as CycleError).message;
      expect(message).toMatch(new RegExp(`^target ap-southeast-1/${projectId}: fetch failed: \\w+Error: `));
      expect(message).not.toMatch(/\n/);
      expect(await storeSnapshot(store, target)).toEqual(before);
      expect(publisher.events).toEqual([]);

      await pollTarget(deps, target);
      expect(transitionsOf(publisher.events)).toEqual(['completed Running -> Completed']);
    },
  );

  it('reports an answer slower than the timeout at every attempt as a timeout, without waiting for it', async () => {
    const { deps, target, projectId, jobs } = await withBaseline(1);
    finish(projectId, jobs[0] as RawJob);
    world.inject(Array.from({ length: MAX_ATTEMPTS }, () => ApiFault.Slow));

    await expect(pollTarget(deps, target)).rejects.toThrow(
      new RegExp(`fetch failed: JobsTimeoutError: .*${CHAOS_TIMEOUT_MS} ms`),
    );
  });

  it('commits nothing from a scan whose second page fails at every attempt', async () => {
    const { deps, target, projectId, jobs, publisher, store } = await withBaseline(25);
    for (const job of jobs) finish(projectId, job);
    const before = await storeSnapshot(store, target);
    world.simulator.onPage = (_project, offset) => {
      if (offset === 0) world.inject(Array.from({ length: MAX_ATTEMPTS }, () => ApiFault.ServerError));
    };

    await expect(pollTarget(deps, target)).rejects.toThrow(/fetch failed: JobsApiError: .*HTTP 503/);
    expect(await storeSnapshot(store, target)).toEqual(before);
    expect(publisher.events).toEqual([]);

    world.simulator.onPage = undefined;
    await world.drainInjected();
    expect(await pollTarget(deps, target)).toMatchObject({ published: 25, pendingLeft: 0 });
    expect(new Set(publisher.events.map((event) => event.subject)).size).toBe(25);
  });
});

describe('pollTarget when the window moves during a scan', () => {
  const shifts = [
    { change: 'a job lands at the head', jobs: 25, act: 'add' },
    { change: 'an already read job vanishes', jobs: 25, act: 'remove-read' },
    { change: 'a job not read yet vanishes', jobs: 25, act: 'remove-unread' },
    { change: 'the only job of the last page moves up', jobs: 11, act: 'remove-read' },
    { change: 'a job lands and a read one vanishes', jobs: 25, act: 'add-and-remove' },
  ] as const;

  it.each(shifts)('announces every finished job in that cycle when $change', async ({ jobs: count, act }) => {
    const { deps, target, projectId, jobs, publisher } = await withBaseline(count);
    for (const job of jobs) finish(projectId, job);
    const newestFirst = [...jobs].reverse();
    const removed: string[] = [];
    let done = false;
    world.simulator.onPage = (_project, offset) => {
      if (done || offset !== 0) return;
      done = true;
      if (act === 'add' || act === 'add-and-remove') {
        world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(0) });
      }
      if (act !== 'add') {
        const victim = act === 'remove-unread' ? newestFirst[count - 2] : newestFirst[2];
        world.simulator.removeJob(projectId, victim?.id ?? '');
        removed.push(victim?.id ?? '');
      }
    };

    const report: CycleReport = await pollTarget(deps, target);
    const announced = new Set(publisher.events.map((event) => event.subject));
    const stayed = jobs.filter((job) => !removed.includes(job.id));
    expect(stayed.filter((job) => !announced.has(job.id)).map((job) => job.id)).toEqual([]);
    expect(report.pendingLeft).toBe(0);
    expect(new Set(publisher.events.map((event) => event.id)).size).toBe(publisher.events.length);
  });
});

describe('pollTarget when a job leaves the window', () => {
  it('reports nothing for a running job absent from the next scan, and keeps its state', async () => {
    const { deps, target, projectId, jobs, publisher, store } = await withBaseline(3);
    const gone = jobs[1] as RawJob;
    world.simulator.removeJob(projectId, gone.id);
    const before = await store.getJob(target, gone.id);

    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', published: 0 });
    expect(publisher.events).toEqual([]);
    expect(await store.getJob(target, gone.id)).toEqual(before);
  });

  it('reports nothing for a job missing from one inconsistent page', async () => {
    const { deps, target, projectId, jobs, publisher } = await withBaseline(3);
    const all = world.simulator.jobs(projectId);
    const missing = all.filter((job) => job.id !== jobs[0]?.id);
    world.simulator.injectNext({
      status: 200,
      body: JSON.stringify({ total_count: missing.length, jobs: missing }),
    });

    expect(await pollTarget(deps, target)).toMatchObject({ published: 0 });
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', published: 0 });
    expect(publisher.events).toEqual([]);
  });

  it('reports a job seen running that vanishes and comes back finished exactly once', async () => {
    const { deps, target, projectId, jobs, publisher } = await withBaseline(2);
    const job = jobs[0] as RawJob;
    world.simulator.removeJob(projectId, job.id);
    expect(await pollTarget(deps, target)).toMatchObject({ published: 0 });

    world.simulator.addJob(projectId, {
      ...job,
      status: 'Failed',
      progress: '',
      end_time: minutesAgo(0),
      fail_reason: 'Backup timed out.',
    });
    await pollTarget(deps, target);
    await pollTarget(deps, target);
    expect(transitionsOf(publisher.events)).toEqual(['failed Running -> Failed']);
    expect(publisher.events[0]?.data.job.fail_reason).toBe('Backup timed out.');
  });

  it('reports nothing for a job that ages out of the 30-day window', async () => {
    const chaos = await world.fresh();
    // Ahead of the wall clock, so a job the test adds "now" is inside the window, whole seconds and all.
    let nowMs = Date.now() + 5_000;
    const deps: CycleDeps = {
      store: chaos.store,
      api: chaos.api().api,
      publishers: [chaos.publisher],
      options: chaos.options,
      now: () => nowMs,
    };
    const old = world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(30 * 24 * 60 - 3) });
    world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(1) });
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ fetchedJobs: 2, baseline: true });

    nowMs += 5 * 60_000;
    finish(chaos.projectId, old);
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ fetchedJobs: 1, published: 0 });
    expect(chaos.publisher.events).toEqual([]);
    expect((await chaos.store.getJob(chaos.target, old.id))?.job.status).toBe('Running');
  });
});
