import { describe, expect, it } from 'vitest';
import { parseEventBus } from '../../../shared/publish/event-bus';

describe('parseEventBus', () => {
  it.each([
    ['default', { nameOrArn: 'default', name: 'default' }],
    ['geminidb-jobs', { nameOrArn: 'geminidb-jobs', name: 'geminidb-jobs' }],
    [
      'aws.partner/example.com/123/jobs',
      { nameOrArn: 'aws.partner/example.com/123/jobs', name: 'aws.partner/example.com/123/jobs' },
    ],
    [
      'arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs',
      {
        nameOrArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs',
        name: 'geminidb-jobs',
        region: 'eu-west-1',
        account: '123456789012',
      },
    ],
    [
      'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/default',
      {
        nameOrArn: 'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/default',
        name: 'default',
        region: 'us-gov-west-1',
        account: '123456789012',
      },
    ],
  ])('reads %s', (value, expected) => {
    expect(parseEventBus(value)).toEqual(expected);
  });

  it.each([
    '',
    'has space',
    'x'.repeat(257),
    'arn:aws:events:eu-west-1:123456789012:rule/geminidb-jobs',
    'arn:aws:events:eu-west-1:1234:event-bus/geminidb-jobs',
    'arn:aws:sns:eu-west-1:123456789012:geminidb-jobs',
  ])('refuses %j', (value) => {
    expect(parseEventBus(value)).toBeUndefined();
  });
});
