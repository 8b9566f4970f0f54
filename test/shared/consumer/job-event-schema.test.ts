import { describe, expect, it } from 'vitest';
import { checkJobEvent } from '../../../shared/consumer/job-event-schema';
import { TransitionType } from '../../../shared/transition';
import { jobEventSchema as publishedSchema, validateEvent } from '../../support/event-schema';
import { sampleEvent } from '../publish/fixtures';

/** A deep copy of a sample failed event with the value at `path` replaced (`undefined` removes it). */
function mutated(path: string, value: unknown, type: TransitionType = 'failed'): unknown {
  const event = structuredClone(sampleEvent(type)) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let node = event;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return event;
}

describe('checkJobEvent', () => {
  it.each(Object.values(TransitionType))('accepts a built %s event', (type) => {
    expect(checkJobEvent(sampleEvent(type))).toMatchObject({ valid: true });
  });

  it('accepts the examples of job-event.schema.json', () => {
    for (const example of publishedSchema.examples as unknown[]) {
      expect(checkJobEvent(example)).toMatchObject({ valid: true });
    }
  });

  // The published JSON Schema is the contract: the consumer kit says yes and no where it does.
  it.each<[string, unknown, boolean]>([
    ['an extension attribute', mutated('traceparent', '00-abc'), true],
    ['a field added to the job', mutated('data.job.engine', 'cassandra'), true],
    ['an unknown status on status_changed', mutated('data.job.status', 'Rebooting', 'status_changed'), true],
    ['a time with an offset', mutated('time', '2023-09-12T16:51:00+08:00'), true],
    ['a null end_time', mutated('data.job.end_time', null), true],
    ['a missing id', mutated('id', undefined), false],
    ['an empty subject', mutated('subject', ''), false],
    ['another specversion', mutated('specversion', '0.3'), false],
    ['an unknown type', mutated('type', 'com.huaweicloud.geminidb.job.exploded'), false],
    ['a source outside the watcher', mutated('source', 'somewhere/else/entirely/x'), false],
    ['a time that is no date-time', mutated('time', 'yesterday'), false],
    ['another content type', mutated('datacontenttype', 'text/plain'), false],
    ['missing data', mutated('data', undefined), false],
    ['a start_time that is no date-time', mutated('data.job.start_time', '2023-09-12 06:44'), false],
    ['progress 120', mutated('data.job.progress', 120, 'started'), false],
    ['progress as text', mutated('data.job.progress', '60%', 'started'), false],
    ['a missing instance name', mutated('data.job.instance.name', undefined), false],
    ['a fractional duration', mutated('data.duration_seconds', 1.5), false],
    ['a numeric previous_status', mutated('data.previous_status', 3), false],
    ['a failed event whose job is Completed', mutated('data.job.status', 'Completed'), false],
    ['a stalled event whose job is Failed', mutated('data.job.status', 'Failed', 'stalled'), false],
  ])('agrees with job-event.schema.json on %s', (_case, value, valid) => {
    expect(validateEvent(value).valid).toBe(valid);
    expect(checkJobEvent(value).valid).toBe(valid);
  });

  it('names each problem by its field path, at most five and a count', () => {
    const result = checkJobEvent({ specversion: '2', data: { job: {} } });
    expect(result.valid).toBe(false);
    const problems = result.valid ? [] : result.problems;
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/^specversion: /);
    expect(problems[5]).toMatch(/^and \d+ more$/);
  });
});
