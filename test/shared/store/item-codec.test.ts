import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../../shared/build-event';
import type { Job } from '../../../shared/job';
import type { JobEvent } from '../../../shared/job-event';
import { decodeEntry, encodeEntry, toCursor } from '../../../shared/store/item-codec';
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
  { type: 'failed', job, previousStatus: 'Running', progressStep: null },
  new Date('2024-05-01T11:30:05.000Z'),
);

describe('encodeEntry and decodeEntry', () => {
  it('keeps an event built for the target without its derivable fields and rebuilds it exactly', () => {
    const entry = encodeEntry(target, event, 7);
    expect(entry).not.toHaveProperty('event');
    expect(entry).not.toHaveProperty('source');
    expect(entry).toMatchObject({
      seq: 7,
      type: 'failed',
      previous_status: 'Running',
      duration_seconds: 1800,
    });
    expect(decodeEntry(target, event.id, entry)).toEqual(event);
  });

  it.each<[string, (e: JobEvent) => JobEvent]>([
    ['another source', (e) => ({ ...e, source: 'elsewhere' })],
    ['a subject other than the job', (e) => ({ ...e, subject: 'job-2' })],
    ['another region in data', (e) => ({ ...e, data: { ...e.data, region: 'eu-west-101' } })],
    ['another project in data', (e) => ({ ...e, data: { ...e.data, project_id: 'proj-2' } })],
    ['a foreign type', (e) => ({ ...e, type: 'other.type' as JobEvent['type'] })],
  ])('keeps an event with %s whole', (_, change) => {
    const odd = change(event);
    const entry = encodeEntry(target, odd, 1);
    expect(entry).toEqual({ seq: 1, event: odd });
    expect(decodeEntry(target, odd.id, entry)).toEqual(odd);
  });
});

describe('toCursor', () => {
  it('gives a cursor without revision or digest for an item written before they existed', () => {
    expect(toCursor({ baseline_done: true, last_cycle_at: 'x' })).toEqual({
      baselineDone: true,
      lastCycleAt: 'x',
      leaseOwner: null,
      leaseUntilMs: null,
    });
  });

  it('reads the digest tuples into job digests with start times in ms', () => {
    const cursor = toCursor({
      revision: 4,
      watermark_ms: 5,
      jobs: { 'job-1': [2, 'Running', 25, true, 1714561200, false] },
    });
    expect(cursor.revision).toBe(4);
    expect(cursor.lastFullResyncMs).toBeNull();
    expect(cursor.jobs?.get('job-1')).toEqual({
      version: 2,
      status: 'Running',
      progressStep: 25,
      stalledReported: true,
      startMs: 1714561200_000,
      pending: false,
    });
  });
});
