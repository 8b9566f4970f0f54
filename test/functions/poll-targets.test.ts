import { describe, expect, it } from 'vitest';
import {
  batchItemFailures,
  NoTargetsError,
  TargetsPayloadError,
  targetsForEvent,
} from '../../functions/poll-targets';
import type { Target } from '../../shared/target';

const a: Target = { region: 'ap-southeast-1', projectId: 'p1' };
const b: Target = {
  region: 'eu-west-101',
  projectId: 'p2',
  endpoint: 'https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu',
};
const configured = { configured: [a, b], allowedEndpoints: [] };
const fromEvents = {
  configured: [],
  allowedEndpoints: ['https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu/'],
};
const record = (messageId: string, body: unknown) => ({
  messageId,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  eventSource: 'aws:sqs',
});

describe('targetsForEvent, scheduled', () => {
  it('polls every configured target when the event carries none', () => {
    expect(targetsForEvent({}, configured)).toEqual({
      targets: [a, b],
      subTickTargets: [],
      rejected: [],
      dropped: [],
    });
    expect(targetsForEvent(undefined, configured).targets).toBe(configured.configured);
  });

  it('polls the targets of the event, before the configured ones, with an allowed endpoint', () => {
    expect(targetsForEvent({ targets: [b, a] }, fromEvents).targets).toEqual([b, a]);
    expect(targetsForEvent({ targets: [b] }, configured).targets).toEqual([b]);
  });

  it.each([
    [
      { targets: [a, { region: 'Mars', projectId: 'p3' }] },
      'targets[1].region: must look like a Huawei Cloud region',
    ],
    [{ targets: [{ region: 'ap-southeast-1' }] }, 'targets[0].projectId: '],
    [{ targets: [{ ...a, extra: 1 }] }, 'targets[0]: Unrecognized key: "extra"'],
    [{ targets: [] }, 'targets: needs at least one target'],
    [{ targets: 'ap-southeast-1/p1' }, 'targets: '],
    [
      { targets: [{ ...a, endpoint: 'https://collector.example.com' }] },
      "targets[0].endpoint: https://collector.example.com is not an endpoint of the stack's targets (WATCHER_ALLOWED_ENDPOINTS)",
    ],
  ])('refuses %j naming the field', (event, message) => {
    expect(() => targetsForEvent(event, fromEvents)).toThrow(TargetsPayloadError);
    expect(() => targetsForEvent(event, fromEvents)).toThrow(`Invalid poll event: ${message}`);
  });

  it('refuses an invocation with no targets anywhere, naming both places', () => {
    expect(() => targetsForEvent({}, fromEvents)).toThrow(NoTargetsError);
    expect(() => targetsForEvent({}, fromEvents)).toThrow(
      /the invocation event has no "targets" field and WATCHER_TARGETS is not set/,
    );
  });
});

describe('targetsForEvent, fan-out batch', () => {
  it('polls the targets the messages carry, once each, and refuses malformed messages whole', () => {
    const event = {
      Records: [
        record('m1', { targets: [b, a] }),
        record('m2', { targets: [a, { ...a, projectId: 'p3', endpoint: 'https://evil.example.com' }] }),
        record('m3', 'not json'),
        record('m4', { targets: [a] }),
      ],
    };
    const result = targetsForEvent(event, fromEvents);
    expect(result.targets).toEqual([b, a]);
    expect([...(result.messages ?? [])]).toEqual([
      ['m1', ['eu-west-101/p2', 'ap-southeast-1/p1']],
      ['m2', []],
      ['m3', []],
      ['m4', ['ap-southeast-1/p1']],
    ]);
    expect(result.rejected).toEqual([
      {
        messageId: 'm2',
        error: expect.stringMatching(/^targets\[1\]\.endpoint: https:\/\/evil\.example\.com /),
      },
      { messageId: 'm3', error: 'the message body is not JSON' },
    ]);
  });
});

describe('targetsForEvent, sub-tick batch', () => {
  const subTick = (...targets: unknown[]) => ({ subTick: { targets } });

  it('reads the targets of sub-tick messages once each, never retried, and drops the ones that do not validate', () => {
    const event = {
      Records: [
        record('s1', subTick(a, b)),
        record('s2', subTick(a)),
        record('s3', subTick({ ...a, endpoint: 'https://evil.example.com' })),
        record('s4', subTick()),
        record('s5', subTick({ region: 'nowhere-1', projectId: 'x' })),
      ],
    };
    const result = targetsForEvent(event, fromEvents);
    expect(result.targets).toEqual([]);
    // A duplicated sub-tick (s2 repeats a target of s1) polls its targets once.
    expect(result.subTickTargets).toEqual([a, b]);
    expect(result.dropped).toEqual([
      {
        messageId: 's3',
        error: expect.stringMatching(/^subTick\.targets\[0\]\.endpoint: https:\/\/evil\.example\.com is not/),
      },
      { messageId: 's4', error: expect.stringMatching(/^subTick\.targets: needs at least one target/) },
      { messageId: 's5', error: expect.stringMatching(/^subTick\.targets\[0\]\.region: /) },
    ]);
    expect(result.rejected).toEqual([]);
    const failedEverywhere = {
      failures: [a, b].map((target) => ({ target, error: new Error('x') })),
      notStarted: [],
    };
    expect(batchItemFailures(result, failedEverywhere)).toEqual([]);
  });
});

describe('batchItemFailures', () => {
  const messages = new Map([
    ['m1', ['ap-southeast-1/p1']],
    ['m2', ['eu-west-101/p2']],
    ['m3', []],
  ]);
  const eventTargets = { messages, rejected: [{ messageId: 'm3', error: 'the message body is not JSON' }] };

  it.each([
    ['only a refused message when every target finished', { failures: [], notStarted: [] }, ['m3']],
    [
      'the message of a failed target',
      { failures: [{ target: a, error: new Error('x') }], notStarted: [] },
      ['m1', 'm3'],
    ],
    ['the message of a target not started', { failures: [], notStarted: [b] }, ['m2', 'm3']],
  ])('retries %s', (_, result, expected) => {
    expect(batchItemFailures(eventTargets, result).map((failure) => failure.itemIdentifier)).toEqual(
      expected,
    );
  });
});
