import { describe, expect, it } from 'vitest';
import type { Cursor, JobDigest } from '../../shared/store/task-store';
import { hasOpenJobs, subTickDelays } from '../../shared/sub-tick';

const digest = (status: string): JobDigest => ({
  version: 1,
  status,
  progressStep: null,
  stalledReported: false,
  startMs: 0,
  sinceMs: 0,
  occurrences: {},
});

const cursorWith = (...digests: JobDigest[]): Cursor => cursorPending([], ...digests);

const cursorPending = (pending: Cursor['pending'], ...digests: JobDigest[]): Cursor => ({
  revision: 1,
  claim: null,
  pending,
  baselineAt: 0,
  baselineDone: true,
  lastCycleAt: null,
  watermarkMs: null,
  runningFromMs: null,
  lastFullResyncMs: null,
  resyncFromMs: null,
  resyncUntilMs: null,
  jobs: new Map(digests.map((entry, index) => [`job-${index}`, entry])),
});

describe('subTickDelays', () => {
  it.each([
    [60, 15, [15, 30, 45]],
    [60, 20, [20, 40]],
    [60, 60, []],
    [60, 0, []],
    [300, 60, [60, 120, 180, 240]],
  ])('gives a %i s schedule at %i s the delays %j', (scheduleSeconds, fastPollSeconds, delays) => {
    expect(subTickDelays(scheduleSeconds, fastPollSeconds)).toEqual(delays);
  });

  it('stops at SQS longest delay (900 s) when the schedule is longer', () => {
    const delays = subTickDelays(3600, 300);
    expect(delays).toEqual([300, 600, 900]);
  });
});

describe('hasOpenJobs', () => {
  it('is false without a cursor or with only finished jobs', () => {
    expect(hasOpenJobs(null)).toBe(false);
    expect(hasOpenJobs(cursorWith())).toBe(false);
    expect(hasOpenJobs(cursorWith(digest('Completed'), digest('Failed')))).toBe(false);
  });

  it('is true for a job running or in any other unfinished status, or with events to publish', () => {
    expect(hasOpenJobs(cursorWith(digest('Completed'), digest('Running')))).toBe(true);
    expect(hasOpenJobs(cursorWith(digest('Suspended')))).toBe(true);
    expect(
      hasOpenJobs(cursorPending([{ jobId: 'job-0', expectedVersion: 1, startMs: 0 }], digest('Completed'))),
    ).toBe(true);
  });
});
