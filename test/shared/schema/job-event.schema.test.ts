import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../../shared/build-event';
import type { JobEvent } from '../../../shared/job-event';
import { EVENT_SCHEMA_VERSION } from '../../../shared/job-event';
import { assertValidEvent, jobEventSchema, validateEvent } from '../../support/event-schema';

function validEvent(): JobEvent {
  return buildEvent(
    { region: 'ap-southeast-1', projectId: 'proj-1' },
    {
      type: 'failed',
      previousStatus: 'Running',
      progressStep: null,
      occurrence: 0,
      job: {
        id: 'job-1',
        name: 'BackupInstance',
        status: 'Failed',
        start_time: '2023-09-12T06:44:01.000Z',
        end_time: '2023-09-12T06:50:00.000Z',
        progress: null,
        instance: { id: 'inst-1', name: 'nosql-12f5' },
        fail_reason: 'Disk full',
      },
    },
    new Date('2023-09-12T06:51:00.000Z'),
  );
}

/** Marks a field to delete in a {@link Change}. */
const REMOVE = Symbol('remove');

/** One edit of an event: the path of a field and its new value (or {@link REMOVE}). */
type Change = readonly [path: string, value: unknown];

/** A deep copy of a valid event with the changes applied. */
function broken(...changes: Change[]): unknown {
  const event: unknown = structuredClone(validEvent());
  for (const [path, value] of changes) {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    let node = event as Record<string, unknown>;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    if (value === REMOVE) delete node[last];
    else node[last] = value;
  }
  return event;
}

describe('job-event.schema.json', () => {
  it('is draft 2020-12 with a versioned $id matching EVENT_SCHEMA_VERSION', () => {
    expect(jobEventSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(jobEventSchema.$id).toBe(
      `https://geminidb-job-watcher/schemas/job-event/${EVENT_SCHEMA_VERSION}.json`,
    );
  });

  it('accepts its own example and a built event', () => {
    const examples = jobEventSchema.examples as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) assertValidEvent(example);
    assertValidEvent(validEvent());
  });

  it('accepts CloudEvents extension attributes and added data fields (the contract may grow)', () => {
    const extended = broken(
      ['traceparent', '00-abc-def-01'],
      ['data.job.engine', 'cassandra'],
      ['data.extra', 1],
    );
    expect(validateEvent(extended)).toEqual({ valid: true, errors: [] });
  });

  it.each<[string, Change[]]>([
    ['a missing id', [['id', REMOVE]]],
    ['an empty id', [['id', '']]],
    ['an unknown type', [['type', 'com.huaweicloud.geminidb.job.exploded']]],
    ['another specversion', [['specversion', '0.3']]],
    ['a time that is not a date-time', [['time', 'yesterday']]],
    ['another content type', [['datacontenttype', 'text/plain']]],
    ['a source outside the watcher', [['source', 'somewhere/else/entirely/x']]],
    ['missing data', [['data', REMOVE]]],
    ['progress 120', [['data.job.progress', 120]]],
    ['progress -1', [['data.job.progress', -1]]],
    ['progress as text', [['data.job.progress', '60%']]],
    ['a missing fail_reason', [['data.job.fail_reason', REMOVE]]],
    ['a missing instance name', [['data.job.instance.name', REMOVE]]],
    ['an end_time that is not a date-time', [['data.job.end_time', '2023-09-12 06:50']]],
    ['a fractional duration', [['data.duration_seconds', 1.5]]],
    ['a numeric previous_status', [['data.previous_status', 3]]],
    ['a missing previous_status', [['data.previous_status', REMOVE]]],
    ['a failed event whose job is not Failed', [['data.job.status', 'Completed']]],
    [
      'a completed event whose job is Running',
      [
        ['type', 'com.huaweicloud.geminidb.job.completed'],
        ['data.job.status', 'Running'],
      ],
    ],
    ['a stalled event whose job is not Running', [['type', 'com.huaweicloud.geminidb.job.stalled']]],
  ])('rejects %s', (_label, changes) => {
    const event = broken(...changes);
    const result = validateEvent(event);
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(() => assertValidEvent(event)).toThrow(/job-event\.schema\.json/);
  });

  it('accepts an unknown status on a status_changed event', () => {
    const event = broken(
      ['type', 'com.huaweicloud.geminidb.job.status_changed'],
      ['data.job.status', 'Rebooting'],
    );
    assertValidEvent(event);
  });
});
