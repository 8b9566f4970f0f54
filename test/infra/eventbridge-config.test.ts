import { describe, expect, it } from 'vitest';
import { parseWatcherConfig } from '../../infra/config';
import { eventBridgeProps } from '../../infra/eventbridge';
import { ConfigError } from '../../shared/config';

const base = { targets: [{ region: 'ap-southeast-1', projectId: 'p1' }] };

describe('eventBridge in the config file', () => {
  it.each<[string, unknown, unknown]>([
    ['an empty object: the default bus', {}, { bus: 'default' }],
    ['a bus name', { bus: 'shared-jobs' }, { bus: 'shared-jobs' }],
    [
      'a bus ARN',
      { bus: 'arn:aws:events:eu-west-1:123456789012:event-bus/jobs' },
      { bus: 'arn:aws:events:eu-west-1:123456789012:event-bus/jobs' },
    ],
    ['a bus to create', { bus: { create: true } }, { bus: { create: true } }],
    [
      'a named bus to create, archived',
      { bus: { create: true, name: 'geminidb-jobs' }, archive: { retentionDays: 90 } },
      { bus: { create: true, name: 'geminidb-jobs' }, archive: { retentionDays: 90 } },
    ],
    [
      'a registry name',
      { schemaRegistryName: 'geminidb-jobs' },
      { bus: 'default', schemaRegistryName: 'geminidb-jobs' },
    ],
  ])('reads %s', (_label, eventBridge, expected) => {
    expect(parseWatcherConfig({ ...base, eventBridge }).eventBridge).toEqual(expected);
  });

  it('is absent by default', () => {
    expect(parseWatcherConfig(base).eventBridge).toBeUndefined();
  });

  it.each([
    [
      'a bus that is neither name nor ARN',
      { bus: 'my bus' },
      'watcher.config.json: eventBridge.bus: must be an event bus name (letters, digits, . - _ /; "default" for the account\'s default bus) or an ARN such as arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs',
    ],
    [
      'an SNS ARN as bus',
      { bus: 'arn:aws:sns:eu-west-1:123456789012:jobs' },
      'watcher.config.json: eventBridge.bus: must be an event bus name (letters, digits, . - _ /; "default" for the account\'s default bus) or an ARN such as arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs',
    ],
    [
      'create: false (neither an existing bus nor a new one)',
      { bus: { create: false } },
      'watcher.config.json: eventBridge.bus: must be "default", an existing bus name or ARN, or {"create": true, "name": "..."} for a new bus',
    ],
    [
      'a new bus named default',
      { bus: { create: true, name: 'default' } },
      'watcher.config.json: eventBridge.bus.name: must be a new bus name: letters, digits, . - _ (not "default", not starting with "aws.")',
    ],
    [
      'a new bus with an aws. name',
      { bus: { create: true, name: 'aws.jobs' } },
      'watcher.config.json: eventBridge.bus.name: must be a new bus name: letters, digits, . - _ (not "default", not starting with "aws.")',
    ],
    [
      'an unknown field of a new bus',
      { bus: { create: true, arn: 'x' } },
      'watcher.config.json: eventBridge.bus: Unrecognized key: "arn"; the keys here are "create", "name"',
    ],
    [
      'a retention of 0 days',
      { archive: { retentionDays: 0 } },
      'watcher.config.json: eventBridge.archive.retentionDays: must be at least 1 (leave archive out for no archive)',
    ],
    [
      'a retention in fractions',
      { archive: { retentionDays: 1.5 } },
      'watcher.config.json: eventBridge.archive.retentionDays: must be a whole number of days',
    ],
    [
      'an archive without retention',
      { archive: {} },
      'watcher.config.json: eventBridge.archive.retentionDays: is required',
    ],
    [
      'a bad registry name',
      { schemaRegistryName: 'has space' },
      'watcher.config.json: eventBridge.schemaRegistryName: must be 1 to 64 letters, digits, . - _ or @',
    ],
    [
      'an unknown field',
      { topic: 'x' },
      'watcher.config.json: eventBridge: Unrecognized key: "topic"; the keys here are "bus", "archive", "schemaRegistryName"',
    ],
  ])('names the field of %s', (_label, eventBridge, message) => {
    expect(() => parseWatcherConfig({ ...base, eventBridge })).toThrow(new ConfigError(message));
  });

  it('becomes construct props with the retention as a Duration', () => {
    const config = parseWatcherConfig({
      ...base,
      eventBridge: { bus: { create: true }, archive: { retentionDays: 30 } },
    }).eventBridge;
    const props = eventBridgeProps(config ?? { bus: 'default' });
    expect(props.bus).toEqual({ create: true });
    expect(props.archiveRetention?.toDays()).toBe(30);
    expect(props).not.toHaveProperty('schemaRegistryName');
  });
});
