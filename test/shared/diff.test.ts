import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffJobs } from '../../shared/diff';
import type { Job } from '../../shared/job';
import type { DiffOptions, JobChange, JobState, TransitionType } from '../../shared/transition';

const NOW_MS = Date.parse('2024-03-01T12:00:00.000Z');

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    name: 'BackupInstance',
    status: 'Running',
    start_time: '2024-03-01T11:50:00.000Z',
    end_time: null,
    progress: 10,
    instance: { id: 'inst-1', name: 'nosql-12f5' },
    fail_reason: null,
    ...overrides,
  };
}

function state(stored: Job, extra: Partial<Omit<JobState, 'job'>> = {}): JobState {
  return { job: stored, progressStep: null, stalledReported: false, occurrences: {}, ...extra };
}

/** A job that started `seconds` before NOW_MS. */
function startedAgo(seconds: number): string {
  return new Date(NOW_MS - seconds * 1000).toISOString();
}

function diff(input: {
  previous?: readonly JobState[];
  fetched: readonly Job[];
  options?: Partial<DiffOptions>;
  baseline?: boolean;
  nowMs?: number;
}): JobChange[] {
  return diffJobs({
    previous: new Map((input.previous ?? []).map((s) => [s.job.id, s])),
    fetched: input.fetched,
    options: { progressStepPercent: 0, stalledAfterSeconds: {}, announceBaseline: false, ...input.options },
    nowMs: input.nowMs ?? NOW_MS,
    baselineAt: input.baseline ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY,
  });
}

function types(change: JobChange | undefined): TransitionType[] {
  return (change?.transitions ?? []).map((t) => t.type);
}

describe('diffJobs', () => {
  describe('a job not seen before', () => {
    it.each([
      ['Running', false, false, ['started']],
      ['Completed', false, false, ['completed']],
      ['Failed', false, false, ['failed']],
      ['Paused', false, false, ['status_changed']],
      ['Running', true, true, ['started']],
      ['Completed', true, true, ['completed']],
      ['Failed', true, true, ['failed']],
      ['Rebooting', true, true, ['status_changed']],
    ] as const)(
      'announces %s as %j when baseline=%s and announceBaseline=%s',
      (status, baseline, announce, expected) => {
        const fetched = job({ status });
        const changes = diff({ fetched: [fetched], baseline, options: { announceBaseline: announce } });
        expect(changes).toHaveLength(1);
        expect(types(changes[0])).toEqual(expected);
        expect(changes[0]?.transitions[0]).toEqual({
          type: expected[0],
          job: fetched,
          previousStatus: null,
          progressStep: null,
          occurrence: 0,
        });
        expect(changes[0]?.next).toEqual({
          job: fetched,
          progressStep: null,
          stalledReported: false,
          occurrences: { [`${expected[0]}|${status}|`]: 1 },
        });
      },
    );

    it.each(['Running', 'Paused'])(
      'records an open %s job of the baseline silently when the baseline is not announced',
      (status) => {
        const fetched = job({ status, start_time: startedAgo(10_000), progress: 60 });
        const changes = diff({
          fetched: [fetched],
          baseline: true,
          options: { progressStepPercent: 25, stalledAfterSeconds: { '*': 60 } },
        });
        expect(changes).toEqual([
          {
            jobId: 'job-1',
            next: { job: fetched, progressStep: 50, stalledReported: false, occurrences: {} },
            transitions: [],
          },
        ]);
      },
    );

    it.each(['Completed', 'Failed'])(
      'leaves a %s job of the baseline alone: never recorded, never announced',
      (status) => {
        const fetched = job({ status, start_time: startedAgo(10_000) });
        expect(diff({ fetched: [fetched], baseline: true })).toEqual([]);
      },
    );

    it('initialises progressStep to the current step so a new job does not also announce progress', () => {
      const fetched = job({ progress: 80 });
      const [change] = diff({ fetched: [fetched], options: { progressStepPercent: 25 } });
      expect(types(change)).toEqual(['started']);
      expect(change?.next.progressStep).toBe(75);
    });

    it('adds stalled after started when a new Running job is already past its limit', () => {
      const fetched = job({ start_time: startedAgo(3_601) });
      const [change] = diff({
        fetched: [fetched],
        options: { stalledAfterSeconds: { BackupInstance: 3_600 } },
      });
      expect(types(change)).toEqual(['started', 'stalled']);
      expect(change?.transitions[1]?.previousStatus).toBeNull();
      expect(change?.next.stalledReported).toBe(true);
    });

    it('reports stalled on the cycle after a silent baseline, since the baseline did not', () => {
      const options = { stalledAfterSeconds: { '*': 60 } };
      const fetched = job({ start_time: startedAgo(600) });
      const [baseline] = diff({ fetched: [fetched], baseline: true, options });
      expect(baseline?.next.stalledReported).toBe(false);
      const [next] = diff({ previous: baseline ? [baseline.next] : [], fetched: [fetched], options });
      expect(types(next)).toEqual(['stalled']);
    });
  });

  describe('a known job whose status changed', () => {
    it.each([
      ['Running', 'Completed', 'completed'],
      ['Running', 'Failed', 'failed'],
      ['Running', 'Paused', 'status_changed'],
      ['Paused', 'Running', 'status_changed'],
      ['Completed', 'Running', 'status_changed'],
      ['Failed', 'Completed', 'completed'],
      ['Paused', 'Failed', 'failed'],
      ['Running', 'Rebooting', 'status_changed'],
    ] as const)('emits %s -> %s as %s with the stored status as previous', (from, to, type) => {
      const fetched = job({ status: to, progress: null });
      const changes = diff({ previous: [state(job({ status: from }))], fetched: [fetched] });
      expect(changes).toEqual([
        {
          jobId: 'job-1',
          next: {
            job: fetched,
            progressStep: null,
            stalledReported: false,
            occurrences: { [`${type}|${to}|`]: 1 },
          },
          transitions: [{ type, job: fetched, previousStatus: from, progressStep: null, occurrence: 0 }],
        },
      ]);
    });

    it('resets progressStep to the current step when the job goes back into Running', () => {
      const options = { progressStepPercent: 25 };
      const previous = [state(job({ status: 'Paused', progress: null }), { progressStep: 75 })];
      const [change] = diff({ previous, fetched: [job({ status: 'Running', progress: 20 })], options });
      expect(types(change)).toEqual(['status_changed']);
      expect(change?.next.progressStep).toBe(0);
      const [later] = diff({
        previous: change ? [change.next] : [],
        fetched: [job({ progress: 30 })],
        options,
      });
      expect(types(later)).toEqual(['progressed']);
      expect(later?.transitions[0]?.progressStep).toBe(25);
    });

    it('keeps progressStep and stalledReported when the job leaves Running', () => {
      const previous = [state(job(), { progressStep: 50, stalledReported: true })];
      const [change] = diff({ previous, fetched: [job({ status: 'Completed', progress: null })] });
      expect(change?.next).toMatchObject({ progressStep: 50, stalledReported: true });
    });

    it('reports stalled once when a job goes back into Running past its limit', () => {
      const fetched = job({ start_time: startedAgo(700) });
      const previous = [state(job({ status: 'Paused', start_time: fetched.start_time }))];
      const [change] = diff({ previous, fetched: [fetched], options: { stalledAfterSeconds: { '*': 600 } } });
      expect(types(change)).toEqual(['status_changed', 'stalled']);
      expect(change?.transitions[1]?.previousStatus).toBe('Paused');
      expect(change?.next.stalledReported).toBe(true);
    });
  });

  describe('a known job still Running', () => {
    it.each([
      { stepPercent: 0, stored: null, progress: 70, expected: null },
      { stepPercent: 25, stored: 0, progress: 24, expected: null },
      { stepPercent: 25, stored: 0, progress: 25, expected: 25 },
      { stepPercent: 25, stored: 0, progress: 30, expected: 25 },
      { stepPercent: 25, stored: 25, progress: 49, expected: null },
      { stepPercent: 25, stored: 25, progress: 99, expected: 75 },
      { stepPercent: 25, stored: null, progress: 10, expected: null },
      { stepPercent: 25, stored: null, progress: 60, expected: 50 },
      { stepPercent: 20, stored: 80, progress: 100, expected: 100 },
      { stepPercent: 25, stored: 25, progress: null, expected: null },
    ])(
      'with step $stepPercent, stored $stored and progress $progress emits progressed at $expected',
      (row) => {
        const fetched = job({ progress: row.progress });
        const changes = diff({
          previous: [state(job({ progress: 5 }), { progressStep: row.stored })],
          fetched: [fetched],
          options: { progressStepPercent: row.stepPercent },
        });
        if (row.expected === null) {
          expect(changes).toEqual([]);
          return;
        }
        expect(changes).toEqual([
          {
            jobId: 'job-1',
            next: {
              job: fetched,
              progressStep: row.expected,
              stalledReported: false,
              occurrences: { [`progressed|Running|${row.expected}`]: 1 },
            },
            transitions: [
              {
                type: 'progressed',
                job: fetched,
                previousStatus: 'Running',
                progressStep: row.expected,
                occurrence: 0,
              },
            ],
          },
        ]);
      },
    );

    it.each<{ name: string; limits: Record<string, number>; elapsed: number; stalled: boolean }>([
      { name: 'BackupInstance', limits: { BackupInstance: 3_600 }, elapsed: 3_601, stalled: true },
      { name: 'BackupInstance', limits: { BackupInstance: 3_600 }, elapsed: 3_600, stalled: false },
      { name: 'BackupInstance', limits: { '*': 600 }, elapsed: 601, stalled: true },
      { name: 'BackupInstance', limits: { BackupInstance: 7_200, '*': 600 }, elapsed: 3_600, stalled: false },
      { name: 'BackupInstance', limits: { BackupInstance: 60, '*': 7_200 }, elapsed: 61, stalled: true },
      { name: 'ResizeInstance', limits: { BackupInstance: 60 }, elapsed: 99_999, stalled: false },
      { name: 'ResizeInstance', limits: {}, elapsed: 99_999, stalled: false },
      { name: 'constructor', limits: {}, elapsed: 99_999, stalled: false },
      { name: 'constructor', limits: { '*': 60 }, elapsed: 61, stalled: true },
    ])('for $name with limits $limits after $elapsed s reports stalled: $stalled', (row) => {
      const fetched = job({ name: row.name, start_time: startedAgo(row.elapsed) });
      const changes = diff({
        previous: [state(job({ name: row.name, start_time: fetched.start_time }))],
        fetched: [fetched],
        options: { stalledAfterSeconds: row.limits },
      });
      if (!row.stalled) {
        expect(changes).toEqual([]);
        return;
      }
      expect(changes).toEqual([
        {
          jobId: 'job-1',
          next: {
            job: fetched,
            progressStep: null,
            stalledReported: true,
            occurrences: { 'stalled|Running|': 1 },
          },
          transitions: [
            { type: 'stalled', job: fetched, previousStatus: 'Running', progressStep: null, occurrence: 0 },
          ],
        },
      ]);
    });

    it('does not report stalled a second time', () => {
      const fetched = job({ start_time: startedAgo(99_999) });
      const changes = diff({
        previous: [state(fetched, { stalledReported: true })],
        fetched: [fetched],
        options: { stalledAfterSeconds: { '*': 60 } },
      });
      expect(changes).toEqual([]);
    });

    it('emits progressed then stalled when both happen in one cycle', () => {
      const fetched = job({ start_time: startedAgo(700), progress: 55 });
      const [change] = diff({
        previous: [state(job({ start_time: fetched.start_time }), { progressStep: 0 })],
        fetched: [fetched],
        options: { progressStepPercent: 50, stalledAfterSeconds: { '*': 600 } },
      });
      expect(types(change)).toEqual(['progressed', 'stalled']);
      expect(change?.next).toEqual({
        job: fetched,
        progressStep: 50,
        stalledReported: true,
        occurrences: { 'progressed|Running|50': 1, 'stalled|Running|': 1 },
      });
    });

    it('counts steps again from where progress went back, without an event', () => {
      const options = { progressStepPercent: 25 };
      const previous = [state(job({ progress: 60 }), { progressStep: 50 })];
      const [back] = diff({ previous, fetched: [job({ progress: 30 })], options });
      expect(back?.transitions).toEqual([]);
      expect(back?.next.progressStep).toBe(25);
    });

    it('returns nothing when progress moved within a step and no limit is passed', () => {
      const changes = diff({
        previous: [state(job({ progress: 10 }), { progressStep: 0 })],
        fetched: [job({ progress: 20 })],
        options: { progressStepPercent: 25, stalledAfterSeconds: { '*': 3_600 } },
      });
      expect(changes).toEqual([]);
    });
  });

  describe('a job that moves back and forth', () => {
    it('numbers each repeat of a change, so every move gets its own event id', () => {
      let stored = state(job({ status: 'Running' }));
      const seen: [string, number][] = [];
      for (const status of ['Suspended', 'Running', 'Suspended', 'Running', 'Suspended']) {
        const [change] = diff({ previous: [stored], fetched: [job({ status })] });
        if (!change) throw new Error(`no change to ${status}`);
        for (const t of change.transitions) seen.push([`${t.previousStatus}->${t.job.status}`, t.occurrence]);
        stored = change.next;
      }
      expect(seen).toEqual([
        ['Running->Suspended', 0],
        ['Suspended->Running', 0],
        ['Running->Suspended', 1],
        ['Suspended->Running', 1],
        ['Running->Suspended', 2],
      ]);
      expect(stored.occurrences).toEqual({ 'status_changed|Suspended|': 3, 'status_changed|Running|': 2 });
    });

    it('numbers a progress step reached again after progress reset', () => {
      const options = { progressStepPercent: 50 };
      let stored = state(job({ progress: 10 }), { progressStep: 0 });
      const steps: number[] = [];
      for (const progress of [60, 20, 70, 5, 55]) {
        const [change] = diff({ previous: [stored], fetched: [job({ progress })], options });
        if (!change) throw new Error(`no change at ${progress}%`);
        for (const t of change.transitions) steps.push(t.occurrence);
        stored = change.next;
      }
      expect(steps).toEqual([0, 1, 2]);
    });
  });

  describe('the baseline instant', () => {
    it('records an open job that started before it silently and announces one that started at or after it', () => {
      const old = job({ id: 'old', start_time: '2024-03-01T11:00:00.000Z' });
      const same = job({ id: 'same', status: 'Completed', start_time: '2024-03-01T11:30:00.000Z' });
      const fresh = job({ id: 'fresh', start_time: '2024-03-01T11:58:00.000Z' });
      const changes = diffJobs({
        previous: new Map(),
        fetched: [old, same, fresh],
        options: { progressStepPercent: 0, stalledAfterSeconds: {}, announceBaseline: false },
        nowMs: NOW_MS,
        baselineAt: Date.parse('2024-03-01T11:30:00.000Z'),
      });
      expect(changes.map((change) => [change.jobId, types(change)])).toEqual([
        ['old', []],
        ['same', ['completed']],
        ['fresh', ['started']],
      ]);
    });
  });

  describe('jobs that need nothing', () => {
    it.each(['Completed', 'Failed', 'Paused'])(
      'returns no change for a job still %s, even if fields moved',
      (status) => {
        const stored = job({ status, end_time: null, progress: null, fail_reason: null });
        const fetched = job({ status, end_time: '2024-03-01T11:55:00.000Z', fail_reason: 'late detail' });
        expect(diff({ previous: [state(stored)], fetched: [fetched] })).toEqual([]);
      },
    );

    it('does not report a stored job missing from the fetched window', () => {
      const previous = [state(job({ id: 'gone' })), state(job({ id: 'gone-too', status: 'Completed' }))];
      expect(diff({ previous, fetched: [] })).toEqual([]);
    });
  });

  describe('input handling', () => {
    it('keeps the first of repeated ids in the fetched window', () => {
      const first = job({ status: 'Completed', progress: null });
      const changes = diff({ fetched: [first, job({ status: 'Failed' }), job({ status: 'Running' })] });
      expect(changes).toHaveLength(1);
      expect(changes[0]?.transitions).toEqual([
        { type: 'completed', job: first, previousStatus: null, progressStep: null, occurrence: 0 },
      ]);
    });

    it('orders changes by start time, then id', () => {
      const fetched = [
        job({ id: 'c', start_time: '2024-03-01T10:00:00.000Z' }),
        job({ id: 'b', start_time: '2024-03-01T09:00:00.000Z' }),
        job({ id: 'a', start_time: '2024-03-01T10:00:00.000Z' }),
        job({ id: 'd', start_time: '2024-03-01T08:59:59.000Z' }),
      ];
      expect(diff({ fetched }).map((c) => c.jobId)).toEqual(['d', 'b', 'a', 'c']);
    });

    it('does not modify its inputs', () => {
      const previous = new Map([['job-1', Object.freeze(state(Object.freeze(job({ progress: 5 }))))]]);
      const fetched = Object.freeze([Object.freeze(job({ progress: 90, start_time: startedAgo(9_999) }))]);
      const options = Object.freeze({
        progressStepPercent: 25,
        stalledAfterSeconds: Object.freeze({ '*': 60 }),
        announceBaseline: false,
      });
      const changes = diffJobs({
        previous,
        fetched,
        options,
        nowMs: NOW_MS,
        baselineAt: Number.NEGATIVE_INFINITY,
      });
      expect(types(changes[0])).toEqual(['progressed', 'stalled']);
      expect(previous.get('job-1')?.progressStep).toBeNull();
    });
  });

  describe('properties', () => {
    const jobArb: fc.Arbitrary<Job> = fc.record({
      id: fc.constantFrom('j1', 'j2', 'j3', 'j4', 'j5'),
      name: fc.constantFrom('BackupInstance', 'ResizeInstance', 'CreateCassandra'),
      status: fc.constantFrom('Running', 'Completed', 'Failed', 'Paused'),
      start_time: fc
        .integer({ min: NOW_MS - 7_200_000, max: NOW_MS })
        .map((ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString()),
      end_time: fc.constant(null),
      progress: fc.option(fc.integer({ min: 0, max: 100 })),
      instance: fc.constant({ id: 'inst-1', name: 'nosql-12f5' }),
      fail_reason: fc.constant(null),
    });
    const optionsArb: fc.Arbitrary<DiffOptions> = fc.record({
      progressStepPercent: fc.constantFrom(0, 10, 25, 50),
      stalledAfterSeconds: fc.constantFrom<Record<string, number>>(
        {},
        { '*': 600 },
        { BackupInstance: 1_800 },
      ),
      announceBaseline: fc.boolean(),
    });
    const stateArb: fc.Arbitrary<JobState> = fc.record({
      job: jobArb,
      progressStep: fc.option(fc.constantFrom(0, 25, 50)),
      stalledReported: fc.boolean(),
      occurrences: fc.constant({}),
    });

    it('finds nothing to do when the same window is diffed again against what it recorded', () => {
      fc.assert(
        fc.property(fc.array(stateArb), fc.array(jobArb), optionsArb, (stored, fetched, options) => {
          const previous = new Map(stored.map((s) => [s.job.id, s]));
          const first = diffJobs({
            previous,
            fetched,
            options,
            nowMs: NOW_MS,
            baselineAt: Number.NEGATIVE_INFINITY,
          });
          const recorded = new Map(previous);
          for (const change of first) recorded.set(change.jobId, change.next);
          const again = diffJobs({
            previous: recorded,
            fetched,
            options,
            nowMs: NOW_MS,
            baselineAt: Number.NEGATIVE_INFINITY,
          });
          expect(again).toEqual([]);
        }),
        { numRuns: 200 },
      );
    });

    it('gives the same changes whatever the order of a window without repeated ids', () => {
      fc.assert(
        fc.property(
          fc.array(stateArb),
          fc.uniqueArray(jobArb, { selector: (j) => j.id }),
          optionsArb,
          fc.boolean(),
          (stored, fetched, options, baseline) => {
            const previous = new Map(stored.map((s) => [s.job.id, s]));
            const input = {
              previous,
              options,
              nowMs: NOW_MS,
              baselineAt: baseline ? Number.POSITIVE_INFINITY : 0,
            };
            const forward = diffJobs({ ...input, fetched });
            const backward = diffJobs({ ...input, fetched: [...fetched].reverse() });
            expect(backward).toEqual(forward);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
