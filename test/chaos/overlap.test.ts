import { describe, expect, it } from 'vitest';
import { type CycleDeps, pollTarget } from '../../shared/cycle/cycle';
import type { JobEvent } from '../../shared/job-event';
import { collectingPublisher } from '../support/collecting-publisher';
import { minutesAgo, useChaosWorld } from './support/chaos-world';
import { transitionsOf } from './support/snapshot';

// Several cycles at once on one target (Lambdas overlapping, a CLI next to the Lambda), each with
// its own sink: every transition goes out once, under one id, from one of them.
const world = useChaosWorld();

describe('overlapping cycles on one target', () => {
  it.each([2, 4])('publish each transition exactly once with %i cycles at once', async (cycles) => {
    const chaos = await world.fresh();
    const sinks = Array.from({ length: cycles }, (_, index) => collectingPublisher(`sink-${index}`));
    const deps = (index: number): CycleDeps => ({
      store: chaos.store,
      api: chaos.api().api,
      publishers: [sinks[index] ?? chaos.publisher],
      options: chaos.options,
    });
    const jobs = Array.from({ length: 8 }, (_, index) =>
      world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(index + 1) }),
    );
    await pollTarget(deps(0), chaos.target);

    for (const [index, job] of jobs.entries()) {
      const status = index % 3 === 0 ? 'Failed' : 'Completed';
      world.simulator.updateJob(chaos.projectId, job.id, { status, progress: '', end_time: minutesAgo(0) });
      if (index % 2 === 1) {
        world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(0) });
        await Promise.all(sinks.map((_, sink) => pollTarget(deps(sink), chaos.target)));
      }
    }
    await Promise.all(sinks.map((_, sink) => pollTarget(deps(sink), chaos.target)));

    const all: JobEvent[] = sinks.flatMap((sink) => sink.events);
    expect(all).toHaveLength(12);
    expect(new Set(all.map((event) => event.id)).size).toBe(12);
    expect(transitionsOf(all).filter((line) => line.startsWith('started'))).toHaveLength(4);
  });
});
