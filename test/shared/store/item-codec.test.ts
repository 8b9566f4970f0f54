import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../../shared/build-event';
import type { Job } from '../../../shared/job';
import type { JobEvent } from '../../../shared/job-event';
import {
  decodeEntry,
  decodeHistory,
  encodeHistory,
  encodePending,
  toCursor,
  UnreadablePendingEntryError,
} from '../../../shared/store/item-codec';
import type { Target } from '../../../shared/target';

const target: Target = { region: 'ap-southeast-1', projectId: 'proj-1' };
const job: Job = {
  id: 'job-1',
  name: 'BackupInstance',
  status: 'Failed',
  start_time: '2024-05-01T11:00:00.000Z',
  end_time: '2024-05-01T11:30:00.000Z',
  progress: null,
  instance: { id: 'inst-1', name: 'nosql-12f5' },
  fail_reason: 'Backup timed out.',
};
const event = buildEvent(
  target,
  { type: 'failed', job, previousStatus: 'Running', progressStep: null, occurrence: 0 },
  new Date('2024-05-01T11:30:05.000Z'),
);

describe('encodePending and decodePending', () => {
  it('keeps an event built for the target as a compact tuple and rebuilds it exactly', () => {
    const entry = encodePending(target, job.id, event, 7);
    expect(Array.isArray(entry)).toBe(true);
    expect(entry).toEqual([
      7,
      'failed',
      Date.parse('2024-05-01T11:30:05.000Z'),
      'Running',
      1800,
      'BackupInstance',
      'Failed',
      Date.parse(job.start_time),
      Date.parse(job.end_time ?? ''),
      null,
      'inst-1',
      'nosql-12f5',
      'Backup timed out.',
    ]);
    expect(decodeEntry(target, event.id, entry, job.id)).toEqual(event);
  });

  it.each<[string, (e: JobEvent) => JobEvent]>([
    ['another source', (e) => ({ ...e, source: 'elsewhere' })],
    ['a subject other than the job', (e) => ({ ...e, subject: 'job-2' })],
    ['another region in data', (e) => ({ ...e, data: { ...e.data, region: 'eu-west-101' } })],
    ['another project in data', (e) => ({ ...e, data: { ...e.data, project_id: 'proj-2' } })],
    ['a foreign type', (e) => ({ ...e, type: 'other.type' as JobEvent['type'] })],
    ['an extension attribute', (e) => ({ ...e, test: true }) as JobEvent],
    ['a time that is not canonical ISO', (e) => ({ ...e, time: '2024-05-01T11:30:05Z' })],
  ])('keeps an event with %s whole', (_, change) => {
    const odd = change(event);
    const entry = encodePending(target, job.id, odd, 1);
    expect(decodeEntry(target, odd.id, entry, job.id)).toEqual(odd);
    if (!Array.isArray(entry)) expect(entry).toEqual({ seq: 1, event: odd });
  });
});

describe('encodeHistory and decodeHistory', () => {
  const state = { job, progressStep: null, stalledReported: false, occurrences: { 'failed|Failed|': 2 } };
  it('keeps a repeated change with its occurrence, so the rebuilt event has the published id', () => {
    const second = buildEvent(
      target,
      { type: 'failed', job, previousStatus: 'Running', progressStep: null, occurrence: 1 },
      new Date('2024-05-01T11:30:05.000Z'),
    );
    const kept = encodeHistory(target, state, second);
    expect(kept?.attribute).toBe('h_failed');
    expect(kept?.tuple.at(7)).toBe(1);
    expect(decodeHistory(target, job, 'failed', kept?.tuple ?? ([] as never))).toEqual(second);
    expect(second.id).not.toBe(event.id);
  });

  it('keeps nothing for an event whose id is not the one its state implies', () => {
    expect(encodeHistory(target, state, event)).toBeUndefined();
  });
});

describe('toCursor', () => {
  it('gives a cursor without state for an item written before revisions existed', () => {
    expect(toCursor({ baseline_done: true, last_cycle_at: 'x', watermark_ms: 5 })).toEqual({
      revision: null,
      claim: null,
      baselineAt: null,
      baselineDone: false,
      lastCycleAt: 'x',
      watermarkMs: null,
      runningFromMs: null,
      lastFullResyncMs: null,
      resyncFromMs: null,
      resyncUntilMs: null,
      jobs: new Map(),
      pending: [],
    });
  });

  it('reads the digest list into job digests with times in ms, the claim and the pending set', () => {
    const cursor = toCursor({
      revision: 4,
      watermark_ms: 5,
      baseline_at: 3,
      jobs: [
        ['job-1', 2, 'Running', 25, true, 1714561200, 1714561260],
        ['job-2', 3, 'Suspended', null, false, 1714561300, 1714561320, { 'status_changed|Suspended|': 2 }],
      ],
      claim: { owner: 'poll-a', until_ms: 99 },
      pending: new Set(['3:1714561300:job-2', 'not an entry']),
    });
    expect(cursor).toMatchObject({ revision: 4, baselineAt: 3, watermarkMs: 5, lastFullResyncMs: null });
    expect(cursor.jobs.get('job-1')).toEqual({
      version: 2,
      status: 'Running',
      progressStep: 25,
      stalledReported: true,
      startMs: 1714561200_000,
      sinceMs: 1714561260_000,
      occurrences: {},
    });
    expect(cursor.jobs.get('job-2')?.occurrences).toEqual({ 'status_changed|Suspended|': 2 });
    expect(cursor.claim).toEqual({ owner: 'poll-a', untilMs: 99 });
    expect(cursor.pending).toEqual([{ jobId: 'job-2', expectedVersion: 3, startMs: 1714561300_000 }]);
  });

  it('reads the digest map an earlier version wrote', () => {
    const cursor = toCursor({ revision: 1, jobs: { 'job-1': [2, 'Running', null, false, 10, 20] } });
    expect(cursor.jobs.get('job-1')).toMatchObject({ version: 2, startMs: 10_000, sinceMs: 20_000 });
  });
});

describe('decodeEntry with a pending entry of an earlier version', () => {
  it('names the job and the event and says what to do, instead of a TypeError', () => {
    const legacy = {
      seq: 1,
      type: 'failed',
      time: event.time,
      job,
      previous_status: 'Running',
      duration_seconds: 1800,
    };
    expect(() => decodeEntry(target, event.id, legacy as never, job.id)).toThrow(
      new UnreadablePendingEntryError(job.id, event.id),
    );
    expect(() => decodeEntry(target, event.id, legacy as never, job.id)).toThrow(
      /job job-1 holds pending event .* before 9f35667/,
    );
  });
});
