import { describe, expect, it } from 'vitest';
import { type CycleDeps, pollTarget } from '../../shared/cycle/cycle';
import type { JobsApi } from '../../shared/jobs/jobs-client';
import { minutesAgo, useChaosWorld } from './support/chaos-world';
import { simulatedProcess } from './support/crash';
import { transitionsOf } from './support/snapshot';

// Bugs the chaos tests found, each stated as the correct behaviour, now guarding the fixes: a slow
// scan must not move a job back; a dead cycle's record of a job that then left the window is
// published; and a new job recorded by a cycle that died before its cursor write (once a known
// limit that waited for the next full resync) is published as soon as the dead poll's claim ends,
// because its claim put the job on the cursor's pending set.
const world = useChaosWorld(2);

describe('pollTarget with overlapping cycles', () => {
  it('does not move a job back to an older state when its scan is older than the stored state', async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    const job = world.simulator.addJob(projectId, { status: 'Pending', start_time: minutesAgo(5) });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };
    await pollTarget(deps, target); // baseline: the job is Pending

    // Cycle A scans while the job runs. Before A records, the job completes and cycle B runs from
    // start to end and announces it (two Lambdas, or a Lambda and a CLI, on one table).
    world.simulator.updateJob(projectId, job.id, { status: 'Running', progress: '40%' });
    let overtaken = false;
    const slowScan: JobsApi = {
      listJobs: async (query) => {
        const page = await deps.api.listJobs(query);
        if (overtaken) return page;
        overtaken = true;
        world.simulator.updateJob(projectId, job.id, {
          status: 'Completed',
          progress: '',
          end_time: minutesAgo(0),
        });
        await pollTarget(deps, target);
        return page;
      },
      scanJobs: (window) => deps.api.scanJobs(window),
    };
    await pollTarget({ ...deps, api: slowScan }, target);
    await pollTarget({ ...deps, now: () => Date.now() + 600_000 }, target);

    // A's scan is older than B's record: A must drop it, not announce Completed -> Running.
    expect(transitionsOf(publisher.events)).toEqual(['completed Pending -> Completed']);
    expect((await store.getJob(target, job.id))?.job.status).toBe('Completed');
  });
});

describe('pollTarget after a crash between record and cursor save', () => {
  it('publishes the recorded transition of a job that then leaves the window', async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    const job = world.simulator.addJob(projectId, { name: 'BackupInstance', start_time: minutesAgo(5) });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };
    await pollTarget(deps, target); // baseline: the job is Running
    world.simulator.updateJob(projectId, job.id, { status: 'Failed', progress: '', end_time: minutesAgo(0) });

    // A cycle records the failure, then its process dies (before publishing and before the cursor).
    const dying = simulatedProcess({ atOperation: 'store.recordJob', when: 'after' });
    await pollTarget({ ...deps, store: dying.store(store) }, target).catch(() => undefined);
    expect((await store.getJob(target, job.id))?.pending).toHaveLength(1);
    // Then the job leaves the window (ages out, or an inconsistent page) before the next cycles.
    world.simulator.removeJob(projectId, job.id);

    for (const laterSeconds of [120, 240, 360]) {
      await pollTarget({ ...deps, now: () => Date.now() + laterSeconds * 1000 }, target);
    }
    expect(transitionsOf(publisher.events)).toEqual(['failed Running -> Failed']);
    expect((await store.getJob(target, job.id))?.pending).toEqual([]);
  });
});

describe('pollTarget after a crash before the cursor knew the job', () => {
  it("publishes the recorded transition of a new job that then leaves the window, found through the dead poll's pending set", async () => {
    const { target, projectId, store, publisher, options, api } = await world.fresh();
    world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(30) });
    const deps: CycleDeps = { store, api: api().api, publishers: [publisher], options };
    await pollTarget(deps, target); // baseline
    const job = world.simulator.addJob(projectId, { name: 'RestartInstance', start_time: minutesAgo(0) });

    // A cycle records `started` for the new job, then dies before publishing and before the cursor.
    const dying = simulatedProcess({ atOperation: 'store.recordJob', when: 'after' });
    await pollTarget({ ...deps, store: dying.store(store) }, target).catch(() => undefined);
    expect((await store.getJob(target, job.id))?.pending).toHaveLength(1);
    // Then the job is missing from the window (an inconsistent API) for the next cycles.
    world.simulator.removeJob(projectId, job.id);

    const recorded = (await store.getJob(target, job.id))?.pending[0]?.id;
    // While the dead cycle's lease runs, cycles leave the target alone.
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'skipped' });
    expect(publisher.events).toEqual([]);

    const afterLeaseMs = options.leaseSeconds * 1000;
    await pollTarget({ ...deps, now: () => Date.now() + afterLeaseMs }, target);
    expect(transitionsOf(publisher.events)).toEqual(['started null -> Running']);
    expect(publisher.events[0]?.id).toBe(recorded);
    expect((await store.getJob(target, job.id))?.pending).toEqual([]);
  });
});
