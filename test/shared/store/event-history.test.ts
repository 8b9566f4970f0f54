import { describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { buildEvent } from '../../../shared/build-event';
import { pollTarget } from '../../../shared/cycle/cycle';
import type { Job } from '../../../shared/job';
import type { JobEvent } from '../../../shared/job-event';
import { decodeHistory, encodeHistory, encodePending, sortEvents } from '../../../shared/store/item-codec';
import { measureStoreUsage } from '../../../shared/store/usage';
import type { Target } from '../../../shared/target';
import type { JobState, Transition } from '../../../shared/transition';
import { assertValidEvent } from '../../support/event-schema';
import { useWatcherWorld } from '../../support/watcher-world';

const world = useWatcherWorld();

/** A clock the test moves: event times are distinct and known. */
function clock(startMs = Date.parse('2026-11-30T01:00:00.000Z')) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

describe('DynamoDbTaskStore.listEvents', () => {
  it('rebuilds every event a real cycle published, with its id and content, when nothing was superseded', async () => {
    const time = clock();
    const { deps, target, publisher, projectId, store } = await world.fresh(
      { progressStepPercent: 25 },
      time.now,
    );
    const at = (offsetMs: number) => formatHuaweiTime(time.now() + offsetMs);
    await pollTarget(deps, target);
    const backup = world.simulator.addJob(projectId, {
      name: 'BackupInstance',
      start_time: at(-60_000),
      progress: '10%',
    });
    time.advance(60_000);
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, backup.id, { progress: '60%' });
    const resize = world.simulator.addJob(projectId, { name: 'ResizeInstance', start_time: at(-1_000) });
    time.advance(60_000);
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, backup.id, {
      status: 'Failed',
      progress: '',
      end_time: at(-5_000),
      fail_reason: 'Backup timed out.',
    });
    world.simulator.updateJob(projectId, resize.id, {
      status: 'Completed',
      progress: '',
      end_time: at(-2_000),
    });
    time.advance(60_000);
    await pollTarget(deps, target);

    expect(publisher.events.map((event) => event.type.split('.').pop()).sort()).toEqual([
      'completed',
      'failed',
      'progressed',
      'started',
      'started',
    ]);
    const listed = await store.listEvents(target);
    expect(listed).toEqual(sortEvents(publisher.events));
    for (const event of listed) assertValidEvent(event);
  });

  it('keeps the last event of each type per job, and filters by time window and job', async () => {
    const time = clock();
    const { deps, target, projectId, publisher, store } = await world.fresh(
      { progressStepPercent: 20 },
      time.now,
    );
    await pollTarget(deps, target);
    const job = world.simulator.addJob(projectId, {
      start_time: formatHuaweiTime(time.now()),
      progress: '0%',
    });
    const other = world.simulator.addJob(projectId, { start_time: formatHuaweiTime(time.now()) });
    for (const progress of ['30%', '50%', '70%']) {
      time.advance(60_000);
      await pollTarget(deps, target);
      world.simulator.updateJob(projectId, job.id, { progress });
    }
    time.advance(60_000);
    await pollTarget(deps, target);

    const progressed = publisher.events.filter((event) => event.type.endsWith('.progressed'));
    expect(progressed).toHaveLength(3);
    const all = await store.listEvents(target);
    expect(all.map((event) => event.id)).toEqual(
      sortEvents([
        ...publisher.events.filter((event) => !event.type.endsWith('.progressed')),
        progressed[2] as JobEvent,
      ]).map((event) => event.id),
    );
    const lastMs = Date.parse(progressed[2]?.time ?? '');
    expect((await store.listEvents(target, { sinceMs: lastMs })).map((event) => event.id)).toEqual([
      progressed[2]?.id,
    ]);
    expect(await store.listEvents(target, { sinceMs: lastMs + 1 })).toEqual([]);
    expect(
      (await store.listEvents(target, { untilMs: lastMs })).every((event) => Date.parse(event.time) < lastMs),
    ).toBe(true);
    expect((await store.listEvents(target, { jobId: other.id })).map((event) => event.subject)).toEqual([
      other.id,
    ]);
    expect(await store.listEvents(target, { jobId: 'no-such-job' })).toEqual([]);
  });
});

const target: Target = { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' };
const running: Job = {
  id: '6f85e061-04dd-42e7-86d6-d3b1e40aac2e',
  name: 'EnlargeInstanceVolume',
  status: 'Running',
  start_time: '2026-11-30T01:00:00.000Z',
  end_time: null,
  progress: 40,
  instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
  fail_reason: null,
};
const failed: Job = {
  ...running,
  status: 'Failed',
  progress: null,
  end_time: '2026-11-30T01:20:00.000Z',
  fail_reason: 'Backup timed out.',
};

function eventOf(transition: Transition, atMs: number): JobEvent {
  return buildEvent(target, transition, new Date(atMs));
}

describe('encodeHistory and decodeHistory', () => {
  const state: JobState = { job: failed, progressStep: null, stalledReported: false, occurrences: {} };
  const event = eventOf(
    { type: 'failed', job: failed, previousStatus: 'Running', progressStep: null, occurrence: 0 },
    1_000,
  );

  it('keeps an event as a tuple without its fail reason when it is the job own, and rebuilds it exactly', () => {
    const kept = encodeHistory(target, state, event);
    expect(kept?.attribute).toBe('h_failed');
    expect(kept?.tuple).toEqual([
      'Failed',
      null,
      'Running',
      1_000,
      null,
      Date.parse(failed.end_time ?? ''),
      1,
    ]);
    expect(
      decodeHistory(target, failed, 'failed', kept?.tuple ?? ['', null, null, 0, null, null, null]),
    ).toEqual(event);
  });

  it.each<[string, JobEvent]>([
    ['an id that is not the deterministic one', { ...event, id: 'e-1' }],
    ['another job than the recorded one', { ...event, subject: 'job-2' }],
    ['another source', { ...event, source: 'elsewhere' }],
    ['an extra attribute', { ...event, test: true } as JobEvent],
    [
      'a duration that does not follow from the job',
      { ...event, data: { ...event.data, duration_seconds: 1 } },
    ],
  ])('keeps no event with %s', (_, odd) => {
    expect(encodeHistory(target, state, odd)).toBeUndefined();
  });

  it('rebuilds the fail reason and names as last recorded when the job moved on', () => {
    const kept = encodeHistory(target, state, event);
    const renamed: Job = {
      ...failed,
      fail_reason: 'Retried.',
      instance: { ...failed.instance, name: 'renamed' },
    };
    const rebuilt = decodeHistory(
      target,
      renamed,
      'failed',
      kept?.tuple ?? ['', null, null, 0, null, null, null],
    );
    expect(rebuilt.id).toBe(event.id);
    expect(rebuilt.data.job).toMatchObject({ fail_reason: 'Retried.', instance: { name: 'renamed' } });
  });
});

describe('encodePending', () => {
  it('keeps an event of the item job as a compact tuple that rebuilds it exactly', async () => {
    const { decodeEntry } = await import('../../../shared/store/item-codec');
    const event = eventOf(
      { type: 'failed', job: failed, previousStatus: 'Running', progressStep: null, occurrence: 0 },
      1_500,
    );
    const entry = encodePending(target, failed.id, event, 3);
    expect(Array.isArray(entry)).toBe(true);
    expect(decodeEntry(target, event.id, entry, failed.id)).toEqual(event);
  });

  it('keeps an event of another job whole', () => {
    const event = eventOf(
      { type: 'started', job: running, previousStatus: null, progressStep: null, occurrence: 0 },
      1_500,
    );
    expect(encodePending(target, 'other-job', event, 3)).toEqual({ seq: 3, event });
  });
});

describe('DynamoDbTaskStore write units with the history', () => {
  it.each<[string, Job]>([
    ['completed', { ...running, status: 'Completed', progress: null, end_time: '2026-11-30T01:20:00.000Z' }],
    ['failed', failed],
  ])('costs one write unit per record and per mark over a job life ending %s', async (_, last) => {
    const { store } = await world.fresh();
    const steps: [Transition, JobState][] = [
      [
        {
          type: 'started',
          job: { ...running, progress: 0 },
          previousStatus: null,
          progressStep: null,
          occurrence: 0,
        },
        { job: { ...running, progress: 0 }, progressStep: 0, stalledReported: false, occurrences: {} },
      ],
      [
        { type: 'progressed', job: running, previousStatus: 'Running', progressStep: 25, occurrence: 0 },
        { job: running, progressStep: 25, stalledReported: false, occurrences: {} },
      ],
      [
        { type: 'stalled', job: running, previousStatus: 'Running', progressStep: null, occurrence: 0 },
        { job: running, progressStep: 25, stalledReported: true, occurrences: {} },
      ],
      [
        {
          type: last.status === 'Failed' ? 'failed' : 'completed',
          job: last,
          previousStatus: 'Running',
          progressStep: null,
          occurrence: 0,
        },
        { job: last, progressStep: 25, stalledReported: true, occurrences: {} },
      ],
    ];
    let version: number | null = null;
    const published: JobEvent[] = [];
    for (const [index, [transition, state]] of steps.entries()) {
      const event = eventOf(transition, Date.parse('2026-11-30T01:00:00.000Z') + index * 60_000);
      const { usage } = await measureStoreUsage(async () => {
        const done = (
          await store.recordJob(target, {
            state,
            events: [event],
            expectedVersion: version,
            writer: 'poll-a',
          })
        ).written;
        version = done?.version ?? null;
        expect(await store.markPublished(target, state.job.id, [event.id])).toBe(0);
      });
      expect(usage).toMatchObject({ writeRequests: 2, writeUnits: 2 });
      published.push(event);
    }
    expect(await store.listEvents(target)).toEqual(published);
  });
});
