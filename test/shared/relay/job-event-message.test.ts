import { describe, expect, it } from 'vitest';
import { NotAJobEventError, parseJobEventMessage } from '../../../shared/relay/job-event-message';
import { assertValidEvent } from '../../support/event-schema';
import { sampleEvent } from '../publish/fixtures';

describe('parseJobEventMessage', () => {
  it('takes a schema-valid event and keeps the exact text it came in', () => {
    const event = sampleEvent('failed');
    assertValidEvent(event);
    const raw = JSON.stringify(event, null, 1);
    const parsed = parseJobEventMessage(raw, 'm1');
    expect(parsed.event).toEqual(event);
    expect(parsed.raw).toBe(raw);
  });

  it('keeps extension attributes and fields of later versions', () => {
    const raw = JSON.stringify({ ...sampleEvent('completed'), test: true, traceparent: '00-abc' });
    expect(parseJobEventMessage(raw, 'm1').event).toMatchObject({ test: true, traceparent: '00-abc' });
  });

  it.each<[string, string, RegExp]>([
    ['text that is not JSON', 'hello', /SNS message m1 is not JSON/],
    [
      'another CloudEvent',
      JSON.stringify({ ...sampleEvent('failed'), type: 'com.example.order.created' }),
      /type/,
    ],
    ['an event without data', JSON.stringify({ ...sampleEvent('failed'), data: undefined }), /data/],
    ['a progress over 100', JSON.stringify(sampleEvent('started', { progress: 140 })), /data\.job\.progress/],
  ])('refuses %s', (_case, message, problem) => {
    expect(() => parseJobEventMessage(message, 'm1')).toThrow(NotAJobEventError);
    expect(() => parseJobEventMessage(message, 'm1')).toThrow(problem);
  });
});
