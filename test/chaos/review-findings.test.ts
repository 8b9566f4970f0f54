import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CycleDeps, pollTarget } from '../../shared/cycle/cycle';
import type { JobsApi } from '../../shared/jobs/jobs-client';
import type { TaskStore } from '../../shared/store/task-store';
import { minutesAgo, useChaosWorld } from './support/chaos-world';
import { transitionsOf } from './support/snapshot';

// Cases the outbox property test found (seeds 1, 4, 5 and 6 at 300 runs) or a review of the
// cycle found, each shrunk to a few deterministic steps and stated as the correct behaviour.
const world = useChaosWorld(3);

const later = (minutes: number) => () => Date.now() + minutes * 60_000;

describe('pollTarget with a job that is neither running nor finished', () => {
  it('announces a Pending job that finished as soon as a scan lists it, though it then leaves the listing', async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    // Pending for 30 minutes; a job running for 40 makes every incremental scan reach back past it.
    world.simulator.addJob(projectId, { status: 'Running', progress: '10%', start_time: minutesAgo(40) });
    const pending = world.simulator.addJob(projectId, {
      status: 'Pending',
      progress: '',
      start_time: minutesAgo(30),
    });
    world.simulator.addJob(projectId, { status: 'Completed', progress: '', start_time: minutesAgo(1) });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };
    await pollTarget(deps, target); // baseline: the job is stored Pending

    world.simulator.updateJob(projectId, pending.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
    const seen = await pollTarget({ ...deps, now: later(2) }, target); // its scan lists the job Completed
    expect(seen.scanKind).toBe('incremental');
    // Then the job leaves the listing before the next full resync (as the property test's `vanish`).
    world.simulator.removeJob(projectId, pending.id);
    await pollTarget({ ...deps, now: later(4) }, target);
    await pollTarget({ ...deps, now: later(24 * 60) }, target); // full resync

    expect(transitionsOf(publisher.events)).toEqual(['completed Pending -> Completed']);
  });
});

describe('pollTarget when a sink refuses the older of two pending events of a job', () => {
  it("publishes each job's events in the order they were recorded", async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    const job = world.simulator.addJob(projectId, {
      status: 'Running',
      progress: '10%',
      start_time: minutesAgo(5),
    });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };
    await pollTarget(deps, target); // baseline: Running

    world.simulator.updateJob(projectId, job.id, { status: 'Suspended', progress: '' });
    publisher.failNext(); // the sink is down: Running -> Suspended stays pending
    await pollTarget({ ...deps, now: later(2) }, target);
    publisher.recover();

    world.simulator.updateJob(projectId, job.id, { status: 'Running', progress: '20%' });
    publisher.failNext(1); // the sink refuses the first event it is offered, the older one
    await pollTarget({ ...deps, now: later(4) }, target);
    await pollTarget({ ...deps, now: later(6) }, target);

    // A consumer that keeps the last event per job must end on Running, as the job does.
    expect(transitionsOf(publisher.events)).toEqual([
      'status_changed Running -> Suspended',
      'status_changed Suspended -> Running',
    ]);
  });
});

describe('pollTarget with a baseline that the deadline cuts', () => {
  it('announces the end of a job that was running when the baseline began but was left unrecorded', async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    // More finished jobs than the writes a cycle has in flight at once, so the cut leaves some out.
    for (let minutes = 40; minutes > 30; minutes--) {
      world.simulator.addJob(projectId, {
        status: 'Completed',
        progress: '',
        start_time: minutesAgo(minutes),
      });
    }
    const running = world.simulator.addJob(projectId, {
      name: 'BackupInstance',
      status: 'Running',
      progress: '10%',
      start_time: minutesAgo(5),
    });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };

    // The first baseline runs out of time once its first job write returns: the newest job (the running
    // one; records go oldest first) is left for the next cycle.
    let skewMs = 0;
    const cutting: TaskStore = {
      ...bind(store),
      recordJob: async (...args) => {
        const written = await store.recordJob(...args);
        skewMs = 60_000;
        return written;
      },
    };
    const cut = await pollTarget(
      { ...deps, store: cutting, now: () => Date.now() + skewMs, deadlineMs: Date.now() + 30_000 },
      target,
    );
    expect(cut.deadlineReached).toBe(true);

    // The job finishes before the next invocation, which resumes the baseline.
    world.simulator.updateJob(projectId, running.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
    await pollTarget({ ...deps, now: later(2) }, target);
    await pollTarget({ ...deps, now: later(4) }, target);

    // An uncut baseline records the job Running and announces its completion on the next cycle.
    expect(transitionsOf(publisher.events)).toEqual(['completed Running -> Completed']);
    expect((await store.getCursor(target))?.baselineDone).toBe(true);
  });
});

describe('pollTarget with a poll that outlives its claim while it records', () => {
  it('does not write its older copy of a job over the newer state of the cycle that took over', async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    const job = world.simulator.addJob(projectId, {
      status: 'Running',
      progress: '10%',
      start_time: minutesAgo(5),
    });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };
    await pollTarget(deps, target); // baseline: Running

    // Cycle A sees the job Suspended and takes the lease. Its first job write is slow (a paused
    // process, a stalled connection): meanwhile A's lease ends, the job completes, and cycle B
    // takes the target over and records Completed.
    world.simulator.updateJob(projectId, job.id, { status: 'Suspended', progress: '' });
    let skewMs = 0;
    const slow: TaskStore = {
      ...bind(store),
      recordJob: async (jobTarget, record) => {
        if (skewMs === 0) {
          skewMs = 3 * 60_000;
          world.simulator.updateJob(projectId, job.id, {
            status: 'Completed',
            progress: '',
            end_time: minutesAgo(0),
          });
          await pollTarget({ ...deps, now: later(3) }, target);
        }
        return store.recordJob(jobTarget, record);
      },
    };
    await pollTarget({ ...deps, store: slow, now: () => Date.now() + skewMs }, target).catch(() => undefined);
    await pollTarget({ ...deps, now: later(5) }, target);
    await pollTarget({ ...deps, now: later(24 * 60) }, target); // full resync

    expect(transitionsOf(publisher.events)).toEqual(['completed Running -> Completed']);
    expect((await store.getJob(target, job.id))?.job.status).toBe('Completed');
  });
});

describe('pollTarget with a baseline of a large project', () => {
  it('frees its claim and keeps the cursor under the item limit though the window holds 6,000 jobs', async () => {
    const { target, store, publisher, options } = await world.fresh();
    const startMs = Date.now() - 3600_000;
    const jobs = Array.from({ length: 6_000 }, (_, index) => ({
      id: randomUUID(),
      name: 'BackupInstance',
      status: index % 10 === 0 ? 'Running' : 'Completed',
      start_time: new Date(startMs + index * 100).toISOString(),
      end_time: index % 10 === 0 ? null : new Date(startMs + index * 100 + 60_000).toISOString(),
      progress: index % 10 === 0 ? 10 : null,
      instance: { id: 'inst-1', name: 'nosql-1' },
      fail_reason: null,
    }));
    // Pages of the API, newest first, filtered by status and start time as the real one does.
    const listJobs: JobsApi['listJobs'] = async (query) => {
      const fromMs = query.start_time?.getTime() ?? 0;
      const untilMs = query.end_time?.getTime() ?? Number.POSITIVE_INFINITY;
      const matching = jobs
        .filter((job) => query.status === undefined || job.status === query.status)
        .filter((job) => Date.parse(job.start_time) >= fromMs && Date.parse(job.start_time) <= untilMs)
        .reverse();
      const offset = query.offset ?? 0;
      return {
        jobs: matching.slice(offset, offset + (query.limit ?? 50)),
        total_count: matching.length,
        skipped: [],
      };
    };
    const api: JobsApi = {
      listJobs,
      scanJobs: async (window) => {
        const page = await listJobs({
          start_time: window.start,
          end_time: window.end,
          status: window.status,
          limit: 50,
        });
        const all = await listJobs({
          start_time: window.start,
          end_time: window.end,
          status: window.status,
          offset: 0,
          limit: 10_000 as 50,
        });
        return {
          jobs: all.jobs,
          pages: Math.ceil(page.total_count / 50),
          requests: Math.ceil(page.total_count / 50),
          skipped: [],
        };
      },
    };
    const deps: CycleDeps = { store, api, publishers: [publisher], options };
    for (let poll = 0; poll < 3; poll++) await pollTarget(deps, target);

    const cursor = await store.getCursor(target);
    expect(cursor?.claim).toBeNull();
    expect(cursor?.baselineDone).toBe(true);
    // Its 600 running jobs, and the finished ones of the newest second the first poll listed.
    expect(cursor?.jobs.size).toBeGreaterThanOrEqual(600);
    expect(cursor?.jobs.size).toBeLessThanOrEqual(610);
    expect(publisher.events).toEqual([]);
  }, 60_000);
});

/** The store's methods bound to it, so a test can replace one. */
function bind(store: TaskStore): TaskStore {
  return {
    getCursor: store.getCursor.bind(store),
    claim: store.claim.bind(store),
    saveCursor: store.saveCursor.bind(store),
    loadJobs: store.loadJobs.bind(store),
    getJob: store.getJob.bind(store),
    getJobs: store.getJobs.bind(store),
    recordJob: store.recordJob.bind(store),
    markPublished: store.markPublished.bind(store),
  };
}
