import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type EventBridgeStandIn,
  PUT_EVENTS_MAX_BYTES,
  putEventsEntrySize,
  startEventBridgeStandIn,
} from './eventbridge';
import { DUMMY_AWS_ENV } from './index';

let eventBridge: EventBridgeStandIn;
let client: EventBridgeClient;

beforeAll(async () => {
  eventBridge = await startEventBridgeStandIn();
});
afterAll(() => eventBridge.close());
beforeEach(() => {
  for (const [name, value] of Object.entries({ ...DUMMY_AWS_ENV, ...eventBridge.endpointEnv }))
    vi.stubEnv(name, value);
  client = new EventBridgeClient({});
});
afterEach(() => {
  client.destroy();
  vi.unstubAllEnvs();
});

const entry = (id: string): PutEventsRequestEntry => ({
  Source: 'geminidb-job-watcher',
  DetailType: 'com.huaweicloud.geminidb.job.completed',
  Detail: JSON.stringify({ id }),
  Time: new Date('2026-01-02T03:04:05Z'),
  EventBusName: 'default',
  Resources: ['arn:x'],
});

describe('startEventBridgeStandIn', () => {
  it('records the entries of a PutEvents sent through AWS_ENDPOINT_URL_EVENTBRIDGE and answers an EventId each', async () => {
    const before = eventBridge.events.length;
    const output = await client.send(new PutEventsCommand({ Entries: [entry('e-1'), entry('e-2')] }));
    const accepted = eventBridge.events.slice(before);
    expect(accepted).toEqual([
      { ...entry('e-1'), EventId: expect.any(String) },
      { ...entry('e-2'), EventId: expect.any(String) },
    ]);
    expect(output).toMatchObject({
      FailedEntryCount: 0,
      Entries: accepted.map(({ EventId }) => ({ EventId })),
    });
  });

  it('refuses the chosen entry once with ErrorCode and FailedEntryCount, as a partial failure', async () => {
    const before = eventBridge.events.length;
    eventBridge.refuseEntryAt(1, { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' });
    const first = await client.send(new PutEventsCommand({ Entries: [entry('a'), entry('b'), entry('c')] }));
    expect(first.FailedEntryCount).toBe(1);
    expect(first.Entries?.map((result) => result.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ThrottlingException',
      'ok',
    ]);
    expect(first.Entries?.[1]).toEqual({ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' });
    expect(eventBridge.refused.at(-1)?.entry.Detail).toBe('{"id":"b"}');
    // Once only: the retried entry goes through.
    const retry = await client.send(new PutEventsCommand({ Entries: [entry('b')] }));
    expect(retry.FailedEntryCount).toBe(0);
    expect(eventBridge.events.slice(before).map((event) => event.Detail)).toEqual([
      '{"id":"a"}',
      '{"id":"c"}',
      '{"id":"b"}',
    ]);
  });

  it('refuses entries matching a rule as many times as asked', async () => {
    eventBridge.refuse({ match: (sent) => sent.Detail === '{"id":"x"}', times: 2 });
    const results = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const output = await client.send(new PutEventsCommand({ Entries: [entry('x')] }));
      results.push(output.Entries?.[0]?.ErrorCode ?? 'ok');
    }
    expect(results).toEqual(['InternalFailure', 'InternalFailure', 'ok']);
  });

  it.each([
    ['a missing Detail', { ...entry('m'), Detail: undefined }, 'InvalidArgument'],
    ['a Detail that is not a JSON object', { ...entry('m'), Detail: '[1]' }, 'MalformedDetail'],
  ])('refuses an entry with %s as EventBridge does', async (_case, bad, code) => {
    const output = await client.send(new PutEventsCommand({ Entries: [bad, entry('fine')] }));
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries?.[0]?.ErrorCode).toBe(code);
    expect(output.Entries?.[1]?.EventId).toEqual(expect.any(String));
  });

  it.each([
    ['more than 10 entries', Array.from({ length: 11 }, (_, index) => entry(String(index)))],
    [
      'more than 256 KiB',
      [{ ...entry('big'), Detail: JSON.stringify({ pad: 'x'.repeat(PUT_EVENTS_MAX_BYTES) }) }],
    ],
  ])('refuses a request with %s (ValidationException)', async (_case, entries) => {
    const before = eventBridge.requests.length;
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(eventBridge.requests.length).toBe(before);
  });

  it('counts an entry size as EventBridge documents it', () => {
    expect(
      putEventsEntrySize({ Source: 'ab', DetailType: 'é', Detail: '{}', Time: new Date(), Resources: ['r'] }),
    ).toBe(14 + 2 + 2 + 2 + 1);
  });

  it('throttles the next request on demand, which the SDK retries', async () => {
    const before = eventBridge.calls.length;
    eventBridge.failNext(1, 'throttle');
    await client.send(new PutEventsCommand({ Entries: [entry('after-throttle')] }));
    expect(eventBridge.calls.slice(before).map((call) => call.errorCode ?? call.status)).toEqual([
      'ThrottlingException',
      200,
    ]);
  });
});
