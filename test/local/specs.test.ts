import { describe, expect, it } from 'vitest';
import { HELP } from '../../local/help';
import { parseSinkSpec, parseStoreSpec, type SinkSpec, type StoreSpec, UsageError } from '../../local/specs';
import { describeSink, openSinks } from '../../local/wiring';

const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs';

describe('parseStoreSpec', () => {
  it.each<[string, StoreSpec]>([
    ['dynalite', { kind: 'dynalite' }],
    ['dynalite:.data/state', { kind: 'dynalite', dir: '.data/state' }],
    ['dynamodb:geminidb-jobs', { kind: 'dynamodb', table: 'geminidb-jobs' }],
  ])('reads %s', (value, spec) => {
    expect(parseStoreSpec(value)).toEqual(spec);
  });

  it.each(['dynamodb:T', 'dynamodb:', 'dynamodb:bad table'])(
    'refuses %j, naming the table-name rule',
    (value) => {
      expect(() => parseStoreSpec(value)).toThrow(UsageError);
      expect(() => parseStoreSpec(value)).toThrow(
        /^--store: ".*" is not a DynamoDB table name; use 3 to 255 letters/,
      );
    },
  );

  it('refuses an unknown kind, listing the three forms', () => {
    expect(() => parseStoreSpec('postgres:x')).toThrow(
      '--store: "postgres:x" is not a store; use dynalite (in memory), dynalite:DIR (on disk) or dynamodb:TABLE',
    );
  });
});

describe('parseSinkSpec', () => {
  it.each<[string, SinkSpec]>([
    ['console', { kind: 'console' }],
    ['jsonl:events.jsonl', { kind: 'jsonl', path: 'events.jsonl' }],
    [
      'sns:arn:aws:sns:eu-west-1:123456789012:jobs',
      { kind: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:jobs' },
    ],
    ['eventbridge:default', { kind: 'eventbridge', eventBus: 'default' }],
    ['eventbridge:geminidb-jobs', { kind: 'eventbridge', eventBus: 'geminidb-jobs' }],
    [`eventbridge:${BUS_ARN}`, { kind: 'eventbridge', eventBus: BUS_ARN }],
  ])('reads %s', (value, spec) => {
    expect(parseSinkSpec(value)).toEqual(spec);
  });

  it.each(['eventbridge:', 'eventbridge:bad bus', 'eventbridge:arn:aws:sns:eu-west-1:123456789012:jobs'])(
    'refuses %j, naming the flag and the eventbridge form',
    (value) => {
      expect(() => parseSinkSpec(value)).toThrow(UsageError);
      expect(() => parseSinkSpec(value)).toThrow(
        new RegExp(`^--sink: "${value}" is not a sink; .* or eventbridge:BUS \\(an event bus name`),
      );
    },
  );
});

describe('EventBridge sink wiring', () => {
  it('opens an eventbridge publisher and describes it by its bus', async () => {
    const spec = parseSinkSpec(`eventbridge:${BUS_ARN}`);
    const [publisher] = openSinks([spec]);
    expect(publisher?.name).toBe('eventbridge');
    await publisher?.close?.();
    expect(describeSink(spec)).toBe(`eventbridge ${BUS_ARN}`);
  });

  it('is in the help of poll, send-test and replay', () => {
    expect(HELP.match(/--sink console\|jsonl:PATH\|sns:TOPIC_ARN\|eventbridge:BUS/g)).toHaveLength(3);
    expect(HELP).toContain('eventbridge:BUS    put to an EventBridge bus');
  });
});
