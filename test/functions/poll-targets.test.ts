import { describe, expect, it } from 'vitest';
import { batchItemFailures, targetsForEvent } from '../../functions/poll-targets';
import type { Target } from '../../shared/target';

const a: Target = { region: 'ap-southeast-1', projectId: 'p1' };
const b: Target = {
  region: 'eu-west-101',
  projectId: 'p2',
  endpoint: 'https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu',
};
const configured = [a, b];
const record = (messageId: string, body: string) => ({ messageId, body, eventSource: 'aws:sqs' });

describe('targetsForEvent', () => {
  it('polls every configured target for a scheduled invocation', () => {
    expect(targetsForEvent({}, configured)).toEqual({ targets: configured, unknown: [] });
    expect(targetsForEvent(undefined, configured).targets).toBe(configured);
  });

  it('polls the configured targets a queue batch names, once each, and drops the others', () => {
    const event = {
      Records: [
        record('m1', JSON.stringify({ targets: ['eu-west-101/p2', 'ap-southeast-1/p1'] })),
        record('m2', JSON.stringify({ targets: ['ap-southeast-1/p1', 'evil/elsewhere'] })),
        record('m3', 'not json'),
      ],
    };
    const result = targetsForEvent(event, configured);
    expect(result.targets).toEqual([b, a]);
    expect(result.unknown).toEqual(['evil/elsewhere']);
    expect([...(result.messages ?? [])]).toEqual([
      ['m1', ['eu-west-101/p2', 'ap-southeast-1/p1']],
      ['m2', ['ap-southeast-1/p1', 'evil/elsewhere']],
      ['m3', []],
    ]);
  });
});

describe('batchItemFailures', () => {
  const messages = new Map([
    ['m1', ['ap-southeast-1/p1']],
    ['m2', ['eu-west-101/p2']],
    ['m3', ['evil/elsewhere']],
  ]);

  it.each([
    ['nothing when every target finished', { failures: [], notStarted: [] }, []],
    [
      'the message of a failed target',
      { failures: [{ target: a, error: new Error('x') }], notStarted: [] },
      ['m1'],
    ],
    ['the message of a target not started', { failures: [], notStarted: [b] }, ['m2']],
  ])('retries %s', (_, result, expected) => {
    expect(batchItemFailures(messages, result).map((failure) => failure.itemIdentifier)).toEqual(expected);
  });
});
