import { describe, expect, it } from 'vitest';
import {
  mattersIncrementally,
  planIncremental,
  previousStates,
  pruneDigest,
  REACH_BACK_MS,
  runningJobs,
  startMsOf,
} from '../../../shared/cycle/digest';
import type { Job } from '../../../shared/job';
import type { Cursor, JobDigest } from '../../../shared/store/task-store';

const NOW_MS = Date.parse('2024-05-01T12:00:00.000Z');
const MINUTE_MS = 60_000;
const WINDOW_START_MS = NOW_MS - 30 * 24 * 60 * MINUTE_MS;
const OVERLAP_MS = 10 * MINUTE_MS;

const digest = (startMinutesAgo: number, status = 'Running', extra: Partial<JobDigest> = {}): JobDigest => ({
  version: 1,
  status,
  progressStep: null,
  stalledReported: false,
  startMs: NOW_MS - startMinutesAgo * MINUTE_MS,
  pending: false,
  occurrences: {},
  ...extra,
});

const job = (id: string, startMinutesAgo: number, status = 'Completed'): Job => ({
  id,
  name: 'BackupInstance',
  status,
  start_time: new Date(NOW_MS - startMinutesAgo * MINUTE_MS).toISOString(),
  end_time: null,
  progress: null,
  instance: { id: 'i', name: 'n' },
  fail_reason: null,
});

const cursor = (jobs: [string, JobDigest][], watermarkMinutesAgo = 1): Cursor => ({
  baselineDone: true,
  lastCycleAt: null,
  lease: null,
  followUp: null,
  revision: 3,
  watermarkMs: NOW_MS - watermarkMinutesAgo * MINUTE_MS,
  lastFullResyncMs: NOW_MS - 30 * MINUTE_MS,
  jobs: new Map(jobs),
});

const known = (c: Cursor) => ({
  jobs: c.jobs ?? new Map<string, JobDigest>(),
  watermarkMs: c.watermarkMs ?? null,
});

describe('planIncremental', () => {
  it('scans from the watermark minus the overlap when nothing runs', () => {
    const plan = planIncremental(
      known(cursor([['a', digest(1, 'Completed')]], 1)),
      WINDOW_START_MS,
      NOW_MS,
      OVERLAP_MS,
    );
    expect(plan).toEqual({
      scanStartMs: NOW_MS - 11 * MINUTE_MS,
      zoneStartMs: NOW_MS - 11 * MINUTE_MS,
      lookupIds: [],
    });
  });

  it('reaches back to running jobs shortly before the zone and looks older ones up by id, not other statuses', () => {
    const plan = planIncremental(
      known(
        cursor([
          ['near', digest(50)],
          ['old', digest(11 + REACH_BACK_MS / MINUTE_MS + 1)],
          ['pending', digest(11 + REACH_BACK_MS / MINUTE_MS + 1, 'Pending')],
          ['done', digest(300, 'Failed')],
        ]),
      ),
      WINDOW_START_MS,
      NOW_MS,
      OVERLAP_MS,
    );
    expect(plan.scanStartMs).toBe(NOW_MS - 50 * MINUTE_MS);
    expect(plan.lookupIds).toEqual(['old']);
  });

  it('scans the whole window before any job was seen, and never past a minute ago', () => {
    const empty = { jobs: new Map(), watermarkMs: null };
    expect(planIncremental(empty, WINDOW_START_MS, NOW_MS, OVERLAP_MS).scanStartMs).toBe(WINDOW_START_MS);
    const future = { jobs: new Map(), watermarkMs: NOW_MS + 3_600_000 };
    expect(planIncremental(future, WINDOW_START_MS, NOW_MS, 0).scanStartMs).toBe(NOW_MS - MINUTE_MS);
  });

  it('does not look up open jobs older than the API window', () => {
    const plan = planIncremental(
      known(cursor([['ancient', digest(31 * 24 * 60)]])),
      WINDOW_START_MS,
      NOW_MS,
      OVERLAP_MS,
    );
    expect(plan.lookupIds).toEqual([]);
  });
});

describe('mattersIncrementally', () => {
  const jobs = new Map([['known', digest(100, 'Completed')]]);
  it.each([
    ['a job the digest knows', job('known', 100), true],
    ['an open job it does not know', job('x', 100, 'Running'), true],
    ['a finished job inside the zone', job('x', 5), true],
    ['a finished job before the zone it does not know', job('x', 20), false],
    ['a suspended job before the zone it does not know', job('x', 20, 'Suspended'), false],
  ])('says %s matters: %s', (_, fetched, expected) => {
    expect(mattersIncrementally(fetched, jobs, NOW_MS - OVERLAP_MS)).toBe(expected);
  });
});

describe('previousStates', () => {
  it('gives the diff the stored status, step, stall flag, occurrences and version of known jobs only', () => {
    const occurrences = { 'status_changed|Suspended|': 1 };
    const states = previousStates(
      new Map([
        ['a', digest(5, 'Running', { version: 4, progressStep: 50, stalledReported: true, occurrences })],
      ]),
      [job('a', 5, 'Completed'), job('b', 5)],
      new Map(),
    );
    expect([...states.keys()]).toEqual(['a']);
    expect(states.get('a')).toMatchObject({
      version: 4,
      progressStep: 50,
      stalledReported: true,
      occurrences,
      job: { status: 'Running' },
    });
  });

  it('prefers a job item the cycle read over the digest', () => {
    const item = {
      job: job('a', 5, 'Suspended'),
      progressStep: null,
      stalledReported: false,
      occurrences: {},
      version: 9,
      pending: [],
    };
    const states = previousStates(new Map([['a', digest(5)]]), [job('a', 5)], new Map([['a', item]]));
    expect(states.get('a')).toEqual(item);
  });
});

describe('pruneDigest', () => {
  it('drops finished entries with nothing pending started before the zone; keeps any status that can still change', () => {
    const jobs = new Map([
      ['running-old', digest(120)],
      ['done-old', digest(30, 'Completed')],
      ['failed-old', digest(30, 'Failed')],
      ['suspended-old', digest(30, 'Suspended')],
      ['cancelled-old', digest(30, 'Cancelled')],
      ['done-pending', digest(30, 'Failed', { pending: true })],
      ['done-recent', digest(2, 'Completed')],
    ]);
    expect([...pruneDigest(jobs, NOW_MS, OVERLAP_MS).keys()]).toEqual([
      'running-old',
      'suspended-old',
      'cancelled-old',
      'done-pending',
      'done-recent',
    ]);
  });

  it('keeps everything before any job was seen', () => {
    const jobs = new Map([['done-old', digest(30, 'Completed')]]);
    expect(pruneDigest(jobs, null, OVERLAP_MS).size).toBe(1);
  });
});

describe('runningJobs', () => {
  it('counts only Running: a status nobody listed is data, not running', () => {
    const jobs = new Map([
      ['a', digest(1)],
      ['b', digest(1, 'Cancelled')],
      ['c', digest(1, 'Pending')],
      ['d', digest(1, 'Completed')],
    ]);
    expect(runningJobs(jobs)).toBe(1);
    expect(runningJobs(undefined)).toBe(0);
  });
});

describe('startMsOf', () => {
  it('gives whole-second ms, and 0 for a time it cannot read', () => {
    expect(startMsOf({ start_time: '2024-05-01T11:00:07.900Z' })).toBe(
      Date.parse('2024-05-01T11:00:07.000Z'),
    );
    expect(startMsOf({ start_time: 'soon' })).toBe(0);
  });
});
