import { describe, expect, it } from 'vitest';
import { boundDigest, DIGEST_BYTES } from '../../../shared/cycle/digest';
import { planPoll } from '../../../shared/cycle/plan';
import type { Cursor, JobDigest } from '../../../shared/store/task-store';
import { TEST_OPTIONS } from '../../support/watcher-world';

const NOW_MS = Date.parse('2024-05-01T12:00:00.000Z');
const target = { region: 'ap-southeast-1', projectId: 'proj-1' };
const minutesAgo = (minutes: number) => NOW_MS - minutes * 60_000;

function entry(status: string, startMs: number, sinceMs = startMs): JobDigest {
  return {
    version: 1,
    status,
    progressStep: null,
    stalledReported: false,
    startMs,
    sinceMs,
    occurrences: {},
  };
}

function cursor(jobs: [string, JobDigest][], overrides: Partial<Cursor> = {}): Cursor {
  return {
    revision: 3,
    claim: null,
    pending: [],
    baselineAt: minutesAgo(600),
    baselineDone: true,
    lastCycleAt: null,
    watermarkMs: minutesAgo(2),
    runningFromMs: null,
    lastFullResyncMs: minutesAgo(1),
    resyncFromMs: null,
    resyncUntilMs: null,
    jobs: new Map(jobs),
    ...overrides,
  };
}

describe('planPoll', () => {
  it('scans new jobs from the watermark minus the overlap, and nothing else while no old job runs', () => {
    const plan = planPoll(cursor([['a', entry('Running', minutesAgo(3))]]), NOW_MS, TEST_OPTIONS, target);
    expect(plan).toMatchObject({
      newJobsFromMs: minutesAgo(12),
      runningFromMs: null,
      dueLookups: [],
      resync: null,
    });
  });

  it('scans the running jobs of the window when one started before the new-jobs scan reaches', () => {
    const plan = planPoll(cursor([['a', entry('Running', minutesAgo(60))]]), NOW_MS, TEST_OPTIONS, target);
    expect(plan.runningFromMs).toBe(plan.windowStartMs);
  });

  it('scans the running jobs on every poll until the baseline is done, and from where a cut sweep stopped', () => {
    expect(planPoll(null, NOW_MS, TEST_OPTIONS, target).runningFromMs).not.toBeNull();
    const cut = cursor([], { runningFromMs: minutesAgo(5000) });
    expect(planPoll(cut, NOW_MS, TEST_OPTIONS, target).runningFromMs).toBe(minutesAgo(5000));
  });

  it.each([
    ['in its first hour in that status', minutesAgo(30), true],
    ['in the slot of its ten-minute spacing', minutesAgo(120), true],
    ['between two spaced look-ups', minutesAgo(125), false],
  ])('looks a Suspended job up by id %s', (_, sinceMs, due) => {
    const plan = planPoll(
      cursor([['s', entry('Suspended', minutesAgo(200), sinceMs)]]),
      NOW_MS,
      TEST_OPTIONS,
      target,
    );
    expect(plan.dueLookups).toEqual(due ? ['s'] : []);
  });

  it('goes on with a resync pass under way, and starts one when the last is fullResyncSeconds old', () => {
    const underway = cursor([], { resyncFromMs: minutesAgo(9000), resyncUntilMs: minutesAgo(30) });
    expect(planPoll(underway, NOW_MS, TEST_OPTIONS, target).resync).toEqual({
      fromMs: minutesAgo(9000),
      untilMs: minutesAgo(30),
    });
    const due = cursor([], { lastFullResyncMs: minutesAgo(61) });
    expect(planPoll(due, NOW_MS, TEST_OPTIONS, target).resync?.untilMs).toBe(NOW_MS);
  });
});

describe('boundDigest', () => {
  it('keeps open jobs and finished ones the new-jobs scan reaches; drops jobs older than the window', () => {
    const jobs = new Map([
      ['open', entry('Suspended', minutesAgo(900))],
      ['recent', entry('Completed', minutesAgo(5))],
      ['old', entry('Completed', minutesAgo(900))],
      ['gone', entry('Running', minutesAgo(50_000))],
    ]);
    const bounded = boundDigest(jobs, minutesAgo(12), minutesAgo(43_000));
    expect([...bounded.jobs.keys()].sort()).toEqual(['open', 'recent']);
    expect(bounded.truncated).toBe(0);
  });

  it(`keeps the newest open jobs within ${DIGEST_BYTES} bytes and says how many it left out`, () => {
    const jobs = new Map(
      Array.from({ length: 5_000 }, (_, index): [string, JobDigest] => [
        `6f85e061-04dd-42e7-86d6-${String(index).padStart(12, '0')}`,
        entry('Running', minutesAgo(5_000 - index)),
      ]),
    );
    const bounded = boundDigest(jobs, NOW_MS, minutesAgo(43_000));
    expect(bounded.jobs.size + bounded.truncated).toBe(5_000);
    expect(bounded.truncated).toBeGreaterThan(0);
    expect(bounded.jobs.has('6f85e061-04dd-42e7-86d6-000000004999')).toBe(true);
  });
});
