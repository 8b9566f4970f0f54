import { describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { pollDeadlineMs, pollUntil } from '../../shared/adaptive';
import { useWatcherWorld } from '../support/watcher-world';

const world = useWatcherWorld();
const minutesAgo = (minutes: number) => formatHuaweiTime(Date.now() - minutes * 60_000);

/** A virtual clock: sleeping moves it on at once and runs what was due meanwhile. */
function virtualTime() {
  let nowMs = Date.now();
  const due: { atMs: number; run: () => void }[] = [];
  const slept: number[] = [];
  return {
    now: () => nowMs,
    at(offsetMs: number, run: () => void) {
      due.push({ atMs: nowMs + offsetMs, run });
    },
    async sleep(ms: number) {
      slept.push(ms);
      nowMs += ms;
      for (const event of due.splice(0).sort((a, b) => a.atMs - b.atMs)) {
        if (event.atMs <= nowMs) event.run();
        else due.push(event);
      }
    },
    slept,
  };
}

describe('pollUntil', () => {
  it('polls a target with a running job every fastPollSeconds until it ends, then stops', async () => {
    const time = virtualTime();
    const { deps, target, projectId, publisher, api } = await world.fresh({}, time.now);
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(2) });
    const { options, store, publishers } = deps;
    const pollDeps = { store, publishers, options, now: time.now, apiFor: () => api };
    await pollUntil(pollDeps, [target], { concurrency: 1, untilMs: time.now() + 1, fastPollSeconds: 15 });

    time.at(20_000, () => {
      world.simulator.updateJob(projectId, job.id, {
        status: 'Completed',
        progress: '',
        end_time: minutesAgo(0),
      });
    });
    const result = await pollUntil(pollDeps, [target], {
      concurrency: 1,
      untilMs: time.now() + 58_000,
      fastPollSeconds: 15,
      sleep: time.sleep,
    });
    expect(result.rounds).toBe(3);
    expect(result.reports.map((report) => report.runningJobs)).toEqual([1, 1, 0]);
    expect(publisher.events.map((event) => event.type)).toEqual(['com.huaweicloud.geminidb.job.completed']);
    expect(time.slept.every((ms) => ms > 14_000 && ms <= 15_000)).toBe(true);
  });

  it('stops before a round could run past untilMs', async () => {
    const time = virtualTime();
    const { deps, target, projectId, api } = await world.fresh({}, time.now);
    world.simulator.addJob(projectId, { start_time: minutesAgo(2) });
    const pollDeps = { ...deps, apiFor: () => api };
    const rounds: number[] = [];
    const result = await pollUntil(pollDeps, [target], {
      concurrency: 1,
      untilMs: time.now() + 50_000,
      fastPollSeconds: 15,
      sleep: time.sleep,
      onRound: (_, round) => {
        rounds.push(round);
      },
    });
    expect(result.rounds).toBe(4);
    expect(rounds).toEqual([1, 2, 3, 4]);
    expect(result.reports.every((report) => report.runningJobs === 1)).toBe(true);
  });

  it('polls once when nothing runs, or when fastPollSeconds is 0', async () => {
    const time = virtualTime();
    const quiet = await world.fresh({}, time.now);
    world.simulator.addJob(quiet.projectId, { status: 'Completed', start_time: minutesAgo(2) });
    const busy = await world.fresh({}, time.now);
    world.simulator.addJob(busy.projectId, { start_time: minutesAgo(2) });
    const options = { concurrency: 2, untilMs: time.now() + 60_000, sleep: time.sleep };

    const apiFor = (target: typeof quiet.target) => (target === quiet.target ? quiet.api : busy.api);
    const deps = { ...quiet.deps, apiFor };
    expect(await pollUntil(deps, [quiet.target], { ...options, fastPollSeconds: 15 })).toMatchObject({
      rounds: 1,
    });
    expect(await pollUntil(deps, [busy.target], { ...options, fastPollSeconds: 0 })).toMatchObject({
      rounds: 1,
    });
    const both = await pollUntil(deps, [quiet.target, busy.target], { ...options, fastPollSeconds: 15 });
    expect(both.reports.filter((report) => report.target === quiet.target)).toHaveLength(1);
    expect(both.reports.filter((report) => report.target === busy.target).length).toBeGreaterThan(1);
  });
});

describe('pollDeadlineMs', () => {
  it.each([
    [{ startedMs: 0, scheduleSeconds: 60 }, 58_000],
    [{ startedMs: 0, scheduleSeconds: 60, marginMs: 5_000 }, 55_000],
    [{ startedMs: 0, scheduleSeconds: 60, remainingMs: 30_000 }, 30_000],
    [{ startedMs: 1_000, scheduleSeconds: 300, remainingMs: 890_000 }, 299_000],
  ])('ends the polling of %o at %d', (input, expected) => {
    expect(pollDeadlineMs(input)).toBe(expected);
  });
});
