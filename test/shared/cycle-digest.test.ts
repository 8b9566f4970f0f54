import { describe, expect, it } from 'vitest';
import {
  applyCursorChanges,
  type CursorChanges,
  cursorChanged,
  type DigestChange,
  mattersIncrementally,
  planIncremental,
  REACH_BACK_MS,
  startMsOf,
  statesFromDigest,
} from '../../shared/cycle-digest';
import type { Job } from '../../shared/job';
import type { Cursor, JobDigest } from '../../shared/store/task-store';

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
  leaseOwner: null,
  leaseUntilMs: null,
  revision: 3,
  watermarkMs: NOW_MS - watermarkMinutesAgo * MINUTE_MS,
  lastFullResyncMs: NOW_MS - 30 * MINUTE_MS,
  jobs: new Map(jobs),
});

const known = (c: Cursor) => ({
  jobs: c.jobs ?? new Map<string, JobDigest>(),
  watermarkMs: c.watermarkMs ?? null,
});

const changes = (
  jobs: [string, DigestChange][],
  watermarkMinutesAgo: number | null = null,
): CursorChanges => ({
  baselineDone: true,
  watermarkMs: watermarkMinutesAgo === null ? null : NOW_MS - watermarkMinutesAgo * MINUTE_MS,
  lastFullResyncMs: null,
  jobs: new Map(jobs),
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

  it('reaches back to open jobs shortly before the zone and looks older ones up by id', () => {
    const plan = planIncremental(
      known(
        cursor([
          ['near', digest(50)],
          ['old', digest(11 + REACH_BACK_MS / MINUTE_MS + 1, 'Pending')],
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
  ])('says %s matters: %s', (_, fetched, expected) => {
    expect(mattersIncrementally(fetched, jobs, NOW_MS - OVERLAP_MS)).toBe(expected);
  });
});

describe('statesFromDigest', () => {
  it('gives the diff the stored status, step, stall flag and version of known jobs only', () => {
    const states = statesFromDigest(
      new Map([['a', digest(5, 'Running', { version: 4, progressStep: 50, stalledReported: true })]]),
      [job('a', 5, 'Completed'), job('b', 5)],
    );
    expect([...states.keys()]).toEqual(['a']);
    expect(states.get('a')).toMatchObject({
      version: 4,
      progressStep: 50,
      stalledReported: true,
      job: { status: 'Running' },
    });
  });
});

describe('applyCursorChanges', () => {
  const at = '2024-05-01T12:00:00.000Z';

  it("takes the cycle's value for entries still as it read them", () => {
    const read = cursor([['a', digest(5, 'Running', { pending: true })]]);
    const next = applyCursorChanges(
      read,
      changes([['a', { before: read.jobs?.get('a'), after: digest(5, 'Completed', { version: 2 }) }]]),
      OVERLAP_MS,
      at,
    );
    expect(next.jobs.get('a')).toEqual(digest(5, 'Completed', { version: 2 }));
    expect(next.lastCycleAt).toBe(at);
  });

  it.each([
    [
      'keeps a higher version another cycle wrote',
      { version: 3 },
      { version: 2 },
      { version: 3, pending: false },
    ],
    ['takes its own higher version', { version: 1 }, { version: 2 }, { version: 2, pending: false }],
    [
      'stays pending on equal versions if the other says so',
      { version: 2, pending: true },
      { version: 2 },
      { version: 2, pending: true },
    ],
    [
      'stays pending on equal versions if it says so',
      { version: 2 },
      { version: 2, pending: true },
      { version: 2, pending: true },
    ],
  ])('%s', (_, theirs, mine, expected) => {
    const fresh = cursor([['a', digest(5, 'Running', theirs)]]);
    const next = applyCursorChanges(
      fresh,
      changes([['a', { before: digest(5, 'Running', { version: 0 }), after: digest(5, 'Running', mine) }]]),
      OVERLAP_MS,
      at,
    );
    expect(next.jobs.get('a')).toMatchObject(expected);
  });

  it('drops an entry only if the other cycle did not move it on or leave it pending', () => {
    const fresh = cursor([
      ['same', digest(5, 'Running')],
      ['newer', digest(5, 'Running', { version: 5 })],
      ['pending', digest(5, 'Running', { pending: true })],
    ]);
    const drop = (id: string): [string, DigestChange] => [
      id,
      { before: digest(5, 'Running', { version: 1, status: 'X' }), after: null },
    ];
    const next = applyCursorChanges(
      fresh,
      changes([drop('same'), drop('newer'), drop('pending')]),
      OVERLAP_MS,
      at,
    );
    expect([...next.jobs.keys()]).toEqual(['newer', 'pending']);
  });

  it('prunes finished jobs before the zone of the newest watermark unless they are pending', () => {
    const read = cursor(
      [
        ['open', digest(120)],
        ['done-old', digest(30, 'Completed')],
        ['done-pending', digest(30, 'Failed', { pending: true })],
        ['done-recent', digest(2, 'Completed')],
      ],
      60,
    );
    const next = applyCursorChanges(read, changes([], 0), OVERLAP_MS, at);
    expect([...next.jobs.keys()]).toEqual(['open', 'done-pending', 'done-recent']);
    expect(next.watermarkMs).toBe(NOW_MS);
  });

  it('keeps the newest watermark and resync time and never unsets the baseline', () => {
    const read = cursor([], 1);
    const next = applyCursorChanges(
      read,
      { ...changes([], 30), baselineDone: false, lastFullResyncMs: 5 },
      0,
      at,
    );
    expect(next).toMatchObject({
      watermarkMs: NOW_MS - MINUTE_MS,
      lastFullResyncMs: NOW_MS - 30 * MINUTE_MS,
      baselineDone: true,
    });
  });
});

describe('cursorChanged', () => {
  const read = cursor([['a', digest(5)]]);
  const same = applyCursorChanges(read, changes([]), OVERLAP_MS, 'later');

  it('sees no change when only lastCycleAt differs', () => {
    expect(cursorChanged(read, same)).toBe(false);
  });

  it.each([
    ['no cursor', null, same],
    ['a cursor without revision', { ...read, revision: undefined }, same],
    ['a moved watermark', read, { ...same, watermarkMs: 1 }],
    ['a new resync time', read, { ...same, lastFullResyncMs: 1 }],
    ['a changed entry', read, { ...same, jobs: new Map([['a', digest(5, 'Completed')]]) }],
    ['an added entry', read, { ...same, jobs: new Map([...same.jobs, ['b', digest(1)]]) }],
  ])('sees a change with %s', (_, base, next) => {
    expect(cursorChanged(base, next)).toBe(true);
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
