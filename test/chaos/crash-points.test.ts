import { describe, expect, it } from 'vitest';
import { type CycleDeps, type CycleReport, pollTarget } from '../../shared/cycle/cycle';
import type { JobEvent } from '../../shared/job-event';
import { minutesAgo, useChaosWorld } from './support/chaos-world';
import { type CrashPoint, simulatedProcess } from './support/crash';
import { storeSnapshot, transitionsOf } from './support/snapshot';

// A cycle killed at every single operation it performs (store call, scan, publish), before or
// after the operation: the following cycles publish every recorded-but-unmarked transition under
// its original id, and never invent or skip one.
const world = useChaosWorld();
const LEASE_SECONDS = 60;
const EXPECTED = ['completed Running -> Completed', 'failed Running -> Failed', 'started null -> Running'];

/** Three jobs baselined Running; then one completes, one fails and a new one starts. */
async function scenario() {
  const chaos = await world.fresh({ leaseSeconds: LEASE_SECONDS });
  // Ahead of the wall clock, so a job the test adds "now" is inside the window, whole seconds and all.
  let nowMs = Date.now() + 5_000;
  const deps: CycleDeps = {
    store: chaos.store,
    api: chaos.api().api,
    publishers: [chaos.publisher],
    options: chaos.options,
    now: () => nowMs,
  };
  const [done, failed] = [3, 2, 1].map((age) =>
    world.simulator.addJob(chaos.projectId, { name: 'RestartInstance', start_time: minutesAgo(age) }),
  );
  await pollTarget(deps, chaos.target);
  const end = { progress: '', end_time: minutesAgo(0) };
  world.simulator.updateJob(chaos.projectId, done?.id ?? '', { status: 'Completed', ...end });
  world.simulator.updateJob(chaos.projectId, failed?.id ?? '', {
    status: 'Failed',
    ...end,
    fail_reason: 'Node restart timed out.',
  });
  world.simulator.addJob(chaos.projectId, { name: 'BackupInstance', start_time: minutesAgo(0) });
  return {
    ...chaos,
    deps,
    /** A cycle as another process would run it: after any lease a dead process left has expired. */
    nextProcessCycle: (): Promise<CycleReport> => {
      nowMs += (LEASE_SECONDS + 1) * 1000;
      return pollTarget(deps, chaos.target);
    },
  };
}

/** Runs one cycle in a process that dies at `crash`; resolves what it left behind. */
async function crashedCycle(crash: CrashPoint | undefined) {
  const chaos = await scenario();
  const process = simulatedProcess(crash);
  const outcome = await pollTarget(
    {
      ...chaos.deps,
      store: process.store(chaos.store),
      api: process.api(chaos.deps.api),
      publishers: chaos.deps.publishers.map((publisher) => process.publisher(publisher)),
    },
    chaos.target,
  ).catch((error: unknown) => error);
  const pending = [...(await chaos.store.loadJobs(chaos.target)).values()].flatMap((job) => job.pending);
  return { ...chaos, process, outcome, pending, publishedBeforeRecovery: chaos.publisher.events.length };
}

/** Cycles until one is idle (nothing new, nothing pending); fails if that never happens. */
async function recover(next: () => Promise<CycleReport>): Promise<void> {
  for (let cycle = 0; cycle < 5; cycle++) if ((await next()).outcome === 'idle') return;
  throw new Error('the target never became idle after the crash');
}

function expectOneIdPerTransition(events: readonly JobEvent[]): void {
  const idsByTransition = new Map<string, Set<string>>();
  for (const [index, line] of transitionsOf(events).entries()) {
    const key = `${events[index]?.subject} ${line}`;
    idsByTransition.set(key, (idsByTransition.get(key) ?? new Set()).add(events[index]?.id ?? ''));
  }
  for (const [transition, ids] of idsByTransition) expect([transition, ids.size]).toEqual([transition, 1]);
}

describe('a cycle killed at any operation', () => {
  it.each(['before', 'after'] as const)(
    'leaves every transition to the next cycles, under one id each, when killed %s any operation',
    async (when) => {
      const dryRun = await crashedCycle(undefined);
      expect(transitionsOf(dryRun.publisher.events).sort()).toEqual(EXPECTED);
      const operations = dryRun.process.operations;
      expect(operations.length).toBeGreaterThan(5);

      for (let atOperation = 1; atOperation <= operations.length; atOperation++) {
        const where = `killed ${when} operation ${atOperation} (${operations[atOperation - 1]})`;
        const run = await crashedCycle({ atOperation, when });
        const { publisher } = run;
        expect(run.process.dead, `${where}; ran ${run.process.operations.join(', ')}`).toBe(true);
        // A kill never surfaces as anything but itself or a report (deliver swallows sink/mark errors).
        if (run.outcome instanceof Error) {
          expect(run.outcome.message, where).toMatch(/SimulatedCrashError: process (killed|is dead)/);
        }
        await recover(run.nextProcessCycle);

        const afterCrash = publisher.events.slice(run.publishedBeforeRecovery);
        for (const event of run.pending) expect(afterCrash, where).toContainEqual(event);
        expect([where, ...new Set(transitionsOf(publisher.events))].sort()).toEqual(
          [where, ...EXPECTED].sort(),
        );
        expectOneIdPerTransition(publisher.events);
        const stored = [...(await run.store.loadJobs(run.target)).values()];
        expect(
          stored.flatMap((job) => job.pending),
          where,
        ).toEqual([]);
        expect(stored.map((job) => job.job.status).sort(), where).toEqual([
          'Completed',
          'Failed',
          'Running',
          'Running',
        ]);
      }
    },
    60_000,
  );

  it('commits nothing when killed half-way through a page scan, and the next cycle announces everything', async () => {
    const chaos = await world.fresh({ pageSize: 10, leaseSeconds: LEASE_SECONDS });
    const deps: CycleDeps = {
      store: chaos.store,
      api: chaos.api().api,
      publishers: [chaos.publisher],
      options: chaos.options,
    };
    const jobs = Array.from({ length: 25 }, (_, index) =>
      world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(index + 1) }),
    );
    await pollTarget(deps, chaos.target);
    for (const job of jobs) {
      world.simulator.updateJob(chaos.projectId, job.id, {
        status: 'Completed',
        progress: '',
        end_time: minutesAgo(0),
      });
    }
    const before = await storeSnapshot(chaos.store, chaos.target);
    const process = simulatedProcess();
    world.simulator.onPage = (_project, offset) => {
      if (offset === 10) process.kill();
    };

    const outcome = pollTarget(
      { ...deps, store: process.store(chaos.store), api: process.api(deps.api) },
      chaos.target,
    );
    await expect(outcome).rejects.toThrow(
      /fetch failed: SimulatedCrashError: process killed while api.scanJobs/,
    );
    world.simulator.onPage = undefined;
    expect(await storeSnapshot(chaos.store, chaos.target)).toEqual(before);
    expect(chaos.publisher.events).toEqual([]);

    expect(await pollTarget(deps, chaos.target)).toMatchObject({ published: 25, pendingLeft: 0 });
  });
});
