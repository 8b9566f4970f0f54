import { describe, expect, it } from 'vitest';
import type { EventIdParts } from '../../shared/build-event';
import { buildEvent, durationSeconds, eventId } from '../../shared/build-event';
import type { Job } from '../../shared/job';
import type { Target } from '../../shared/target';
import type { Transition } from '../../shared/transition';
import { assertValidEvent } from '../support/event-schema';

const TARGET: Target = { region: 'ap-southeast-1', projectId: '0a1b2c3d4e5f' };
const DETECTED_AT = new Date('2023-09-12T07:05:13.250Z');

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-7cd4',
    name: 'BackupInstance',
    status: 'Completed',
    start_time: '2023-09-12T06:44:01.000Z',
    end_time: '2023-09-12T07:04:35.000Z',
    progress: null,
    instance: { id: 'inst-c0f4', name: 'nosql-12f5' },
    fail_reason: null,
    ...overrides,
  };
}

const BASE_PARTS: EventIdParts = {
  target: TARGET,
  jobId: 'job-7cd4',
  type: 'progressed',
  status: 'Running',
  progressStep: 50,
  occurrence: 0,
};

describe('eventId', () => {
  it('gives the same id for the same parts', () => {
    expect(eventId({ ...BASE_PARTS })).toBe(eventId({ ...BASE_PARTS, target: { ...TARGET } }));
  });

  it('is UUID-formatted (version 8, RFC variant)', () => {
    expect(eventId(BASE_PARTS)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('never changes across releases for the same transition (consumers deduplicate on it)', () => {
    expect(eventId(BASE_PARTS)).toBe('431d921f-8d6f-8a3d-a4f6-2abdaf7265cd');
  });

  it('gives each repeat of a change its own id, the same on every retry', () => {
    const ids = [0, 1, 2, 1].map((occurrence) => eventId({ ...BASE_PARTS, occurrence }));
    expect(new Set(ids).size).toBe(3);
    expect(ids[3]).toBe(ids[1]);
  });

  it.each<[string, Partial<EventIdParts>]>([
    ['region', { target: { region: 'eu-west-101', projectId: TARGET.projectId } }],
    ['project', { target: { region: TARGET.region, projectId: 'other' } }],
    ['job id', { jobId: 'job-other' }],
    ['type', { type: 'stalled' }],
    ['status', { status: 'Paused' }],
    ['progress step', { progressStep: 75, occurrence: 0 }],
    ['progress step null vs number', { progressStep: null, occurrence: 0 }],
    ['progress step 0 vs 50', { progressStep: 0, occurrence: 0 }],
  ])('differs when the %s differs', (_label, change) => {
    expect(eventId({ ...BASE_PARTS, ...change })).not.toBe(eventId(BASE_PARTS));
  });

  it('does not confuse values that would run together when concatenated', () => {
    const a = eventId({ ...BASE_PARTS, target: { region: 'ap#x', projectId: 'p' } });
    const b = eventId({ ...BASE_PARTS, target: { region: 'ap', projectId: 'x#p' } });
    const c = eventId({ ...BASE_PARTS, jobId: 'a","b' });
    const d = eventId({ ...BASE_PARTS, jobId: 'a', status: 'b' });
    expect(new Set([a, b, c, d]).size).toBe(4);
  });
});

describe('buildEvent', () => {
  it('builds exactly the CloudEvents contract of DESIGN.md', () => {
    const transition: Transition = {
      type: 'completed',
      job: job(),
      previousStatus: 'Running',
      progressStep: null,
      occurrence: 0,
    };
    const event = buildEvent(TARGET, transition, DETECTED_AT);
    expect(event).toStrictEqual({
      specversion: '1.0',
      id: eventId({
        target: TARGET,
        jobId: 'job-7cd4',
        type: 'completed',
        status: 'Completed',
        progressStep: null,
        occurrence: 0,
      }),
      source: 'geminidb-job-watcher/ap-southeast-1/0a1b2c3d4e5f',
      type: 'com.huaweicloud.geminidb.job.completed',
      subject: 'job-7cd4',
      time: '2023-09-12T07:05:13.250Z',
      datacontenttype: 'application/json',
      data: {
        region: 'ap-southeast-1',
        project_id: '0a1b2c3d4e5f',
        job: job(),
        previous_status: 'Running',
        duration_seconds: 1234,
      },
    });
    assertValidEvent(event);
  });

  it('keeps the id when the same transition is detected again later', () => {
    const transition: Transition = {
      type: 'failed',
      job: job({ status: 'Failed' }),
      previousStatus: null,
      progressStep: null,
      occurrence: 0,
    };
    const first = buildEvent(TARGET, transition, DETECTED_AT);
    const retry = buildEvent(TARGET, transition, new Date(DETECTED_AT.getTime() + 600_000));
    expect(retry.id).toBe(first.id);
    expect(retry.time).not.toBe(first.time);
  });

  it('carries the progress step in the id of progressed events', () => {
    const running = job({ status: 'Running', end_time: null, progress: 60 });
    const at50 = buildEvent(
      TARGET,
      { type: 'progressed', job: running, previousStatus: 'Running', progressStep: 50, occurrence: 0 },
      DETECTED_AT,
    );
    const at75 = buildEvent(
      TARGET,
      { type: 'progressed', job: running, previousStatus: 'Running', progressStep: 75, occurrence: 0 },
      DETECTED_AT,
    );
    expect(at50.id).not.toBe(at75.id);
    expect(at50.id).toBe(eventId({ ...BASE_PARTS, jobId: running.id }));
  });

  it('copies only the contract fields of the job into the event', () => {
    const withExtra = { ...job(), raw: { secret: 'x' }, instance: { id: 'i', name: 'n', extra: 1 } } as Job;
    const event = buildEvent(
      TARGET,
      { type: 'completed', job: withExtra, previousStatus: null, progressStep: null, occurrence: 0 },
      DETECTED_AT,
    );
    expect(Object.keys(event.data.job).sort()).toEqual(
      ['end_time', 'fail_reason', 'id', 'instance', 'name', 'progress', 'start_time', 'status'].sort(),
    );
    expect(event.data.job.instance).toStrictEqual({ id: 'i', name: 'n' });
    expect(JSON.stringify(event)).not.toContain('secret');
  });

  it.each<[string, Partial<Job>, Transition['type'], Transition['previousStatus']]>([
    ['started', { status: 'Running', end_time: null, progress: 0 }, 'started', null],
    ['progressed', { status: 'Running', end_time: null, progress: 60 }, 'progressed', 'Running'],
    ['completed', {}, 'completed', 'Running'],
    ['failed', { status: 'Failed', fail_reason: 'Disk full' }, 'failed', 'Running'],
    ['status_changed', { status: 'Paused', end_time: null }, 'status_changed', 'Running'],
    ['stalled', { status: 'Running', end_time: null, progress: 10 }, 'stalled', 'Running'],
    ['first-seen completed', {}, 'completed', null],
  ])('builds a schema-valid %s event', (_label, overrides, type, previousStatus) => {
    const transition: Transition = {
      type,
      job: job(overrides),
      previousStatus,
      progressStep: type === 'progressed' ? 50 : null,
      occurrence: 0,
    };
    const event = buildEvent(TARGET, transition, DETECTED_AT);
    expect(event.type).toBe(`com.huaweicloud.geminidb.job.${type}`);
    expect(event.data.previous_status).toBe(previousStatus);
    assertValidEvent(event);
  });
});

describe('durationSeconds', () => {
  it.each<[string, Partial<Job>, number | null]>([
    ['a completed job', { status: 'Completed' }, 1234],
    ['a failed job', { status: 'Failed', end_time: '2023-09-12T06:45:01.000Z' }, 60],
    ['half a second up', { end_time: '2023-09-12T06:44:02.500Z' }, 2],
    ['just under half a second', { end_time: '2023-09-12T06:44:02.499Z' }, 1],
    ['a completed job without end time', { end_time: null }, null],
    ['a running job with an end time', { status: 'Running' }, null],
    ['an unknown status with an end time', { status: 'Paused' }, null],
    ['an unparseable end time', { end_time: 'yesterday' }, null],
  ])('is right for %s', (_label, overrides, expected) => {
    const finished = job(overrides);
    expect(durationSeconds(finished)).toBe(expected);
    const event = buildEvent(
      TARGET,
      { type: 'status_changed', job: finished, previousStatus: 'x', progressStep: null, occurrence: 0 },
      DETECTED_AT,
    );
    expect(event.data.duration_seconds).toBe(expected);
  });
});
