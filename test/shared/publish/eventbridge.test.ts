import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job-event';
import { PublishError, PublishThrottledError } from '../../../shared/publish/errors';
import {
  createEventBridgePublisher,
  EVENTBRIDGE_SOURCE,
  eventBridgeClientFor,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  putEventsBatches,
  putEventsEntry,
  putEventsEntrySize,
} from '../../../shared/publish/eventbridge';
import { DEADLINE_REASON } from '../../../shared/publish/publisher';
import { assertValidEvent } from '../../support/event-schema';
import { sampleEvent } from './fixtures';

const BUS = 'geminidb-jobs';
const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs';

const client = new EventBridgeClient({ region: 'ap-southeast-1' });
const eventBridgeMock = mockClient(client);

/** Answers every entry of a request with an EventId. */
function acceptAll(input: PutEventsCommandInput) {
  return {
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_entry, index) => ({ EventId: `eb-${index}` })),
  };
}

beforeEach(() => {
  eventBridgeMock.reset();
  eventBridgeMock.on(PutEventsCommand).callsFake(acceptAll);
});

afterEach(() => {
  eventBridgeMock.reset();
});

function requests(): PutEventsRequestEntry[][] {
  return eventBridgeMock.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}

/** `count` distinct events (one job each), oldest first. */
function manyEvents(count: number, job: { fail_reason?: string } = {}): JobEvent[] {
  return Array.from({ length: count }, (_unused, index) =>
    sampleEvent('failed', { id: `job-${index}`, ...job }),
  );
}

describe('putEventsEntry', () => {
  it('is the CloudEvent as Detail, its type as DetailType and its time as Time', () => {
    const event = sampleEvent('failed');
    const entry = putEventsEntry(BUS, event);
    expect(entry).toEqual({
      Source: 'geminidb-job-watcher',
      DetailType: 'com.huaweicloud.geminidb.job.failed',
      Detail: JSON.stringify(event),
      Time: new Date('2023-09-12T08:49:01.000Z'),
      EventBusName: BUS,
    });
    assertValidEvent(JSON.parse(entry.Detail ?? '{}'));
  });
});

describe('putEventsEntrySize', () => {
  it.each<[string, PutEventsRequestEntry, number]>([
    ['Source and DetailType only', { Source: 'abc', DetailType: 'de' }, 5],
    ['a Time counts 14 bytes', { Source: 'a', DetailType: 'b', Time: new Date() }, 16],
    ['Detail in UTF-8 bytes (é 2, € 3)', { Source: 'a', DetailType: 'b', Detail: '"é€"' }, 2 + 2 + 2 + 3],
    ['each of Resources', { Source: 'a', DetailType: 'b', Resources: ['xy', 'z'] }, 5],
    ['not EventBusName', { Source: 'a', DetailType: 'b', EventBusName: 'long-bus-name' }, 2],
  ])('counts %s', (_label, entry, bytes) => {
    expect(putEventsEntrySize(entry)).toBe(bytes);
  });
});

describe('putEventsBatches', () => {
  it('starts a new batch at 10 entries or when the next entry would pass 256 KiB', () => {
    const sizes = [100_000, 100_000, 62_144, 1, ...Array(11).fill(10)];
    const { batches, oversized } = putEventsBatches(sizes.map((size) => ({ size })));
    expect(batches.map((batch) => batch.map(({ size }) => size))).toEqual([
      [100_000, 100_000, 62_144],
      [1, 10, 10, 10, 10, 10, 10, 10, 10, 10],
      [10, 10],
    ]);
    expect(oversized).toEqual([]);
  });

  it('keeps an entry over the limit out of every batch', () => {
    const { batches, oversized } = putEventsBatches([
      { size: 5 },
      { size: PUT_EVENTS_MAX_BYTES + 1 },
      { size: 7 },
    ]);
    expect(batches).toEqual([[{ size: 5 }, { size: 7 }]]);
    expect(oversized).toEqual([{ size: PUT_EVENTS_MAX_BYTES + 1 }]);
  });
});

describe('createEventBridgePublisher', () => {
  it('sends one entry per event in one PutEvents request', async () => {
    const event = sampleEvent('completed');
    const { refused } = await createEventBridgePublisher({ eventBus: BUS_ARN, client }).publish([event]);
    expect(refused).toEqual([]);
    expect(eventBridgeMock.commandCalls(PutEventsCommand).map((call) => call.args[0].input)).toEqual([
      {
        Entries: [
          {
            Source: EVENTBRIDGE_SOURCE,
            DetailType: 'com.huaweicloud.geminidb.job.completed',
            Detail: JSON.stringify(event),
            Time: new Date(event.time),
            EventBusName: BUS_ARN,
          },
        ],
      },
    ]);
  });

  it('sends nothing for no events', async () => {
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish([]);
    expect(refused).toEqual([]);
    expect(requests()).toEqual([]);
  });

  it('refuses only the entry PutEvents refused, naming its ErrorCode and message', async () => {
    const events = manyEvents(3);
    eventBridgeMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: 'eb-0' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal\n  Failure' },
        { EventId: 'eb-2' },
      ],
    });
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(events);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.id).toBe(events[1]?.id);
    expect(refused[0]?.reason).toBe(
      `PutEvents refused event ${events[1]?.id} on ${BUS}: InternalFailure: Internal Failure; it stays in the outbox for the next cycle`,
    );
    expect(refused[0]?.cause).toBeInstanceOf(PublishError);
    expect(refused[0]?.cause).not.toBeInstanceOf(PublishThrottledError);
    expect(requests()).toHaveLength(1);
  });

  it('marks a throttled entry as throttled', async () => {
    eventBridgeMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(manyEvents(1));
    expect(refused[0]?.cause).toBeInstanceOf(PublishThrottledError);
  });

  it('refuses an entry the answer neither accepts nor refuses: it cannot tell that it arrived', async () => {
    const events = manyEvents(2);
    eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-0' }] });
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(events);
    expect(refused.map(({ id }) => id)).toEqual([events[1]?.id]);
    expect(refused[0]?.reason).toMatch(/answered no EventId/);
  });

  it('sends 25 events as requests of 10, 10 and 5, in order', async () => {
    const events = manyEvents(25);
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(events);
    expect(refused).toEqual([]);
    expect(requests().map((entries) => entries.length)).toEqual([PUT_EVENTS_MAX_ENTRIES, 10, 5]);
    expect(
      requests()
        .flat()
        .map((entry) => JSON.parse(entry.Detail ?? '{}').id),
    ).toEqual(events.map((event) => event.id));
  });

  it('splits big events so no request passes 256 KiB', async () => {
    const events = manyEvents(5, { fail_reason: 'x'.repeat(100_000) });
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(events);
    expect(refused).toEqual([]);
    expect(requests().map((entries) => entries.length)).toEqual([2, 2, 1]);
    for (const entries of requests()) {
      const bytes = entries.reduce((total, entry) => total + putEventsEntrySize(entry), 0);
      expect(bytes).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
    }
  });

  it('refuses an event too big for any request, with the size, and sends the others', async () => {
    const [small, huge, last] = [
      sampleEvent('failed', { id: 'small' }),
      sampleEvent('failed', { id: 'huge', fail_reason: 'x'.repeat(PUT_EVENTS_MAX_BYTES) }),
      sampleEvent('failed', { id: 'last' }),
    ] as [JobEvent, JobEvent, JobEvent];
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish([
      small,
      huge,
      last,
    ]);
    expect(refused.map(({ id }) => id)).toEqual([huge.id]);
    expect(refused[0]?.reason).toMatch(
      new RegExp(`^event ${huge.id} is \\d+ bytes as a PutEvents entry, over the 262144-byte limit`),
    );
    expect(
      requests()
        .flat()
        .map((entry) => JSON.parse(entry.Detail ?? '{}').id),
    ).toEqual([small.id, last.id]);
  });

  it('refuses the entries of a throttled request and goes on with the next request', async () => {
    const events = manyEvents(15);
    const throttled = new EventBridgeServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridgeMock.on(PutEventsCommand).rejectsOnce(throttled).callsFake(acceptAll);
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(events);
    expect(refused.map(({ id }) => id)).toEqual(events.slice(0, 10).map((event) => event.id));
    expect(refused[0]?.cause).toBeInstanceOf(PublishThrottledError);
    expect(refused[0]?.cause).toMatchObject({ sink: 'eventbridge', cause: throttled });
    expect(refused[0]?.reason).toMatch(
      /^PutEvents of 10 entries to geminidb-jobs was throttled \(ThrottlingException: Rate exceeded\)/,
    );
    expect(requests().map((entries) => entries.length)).toEqual([10, 5]);
  });

  it('refuses the entries of a request that failed otherwise, naming the bus and the permission', async () => {
    eventBridgeMock.on(PutEventsCommand).rejects(
      new EventBridgeServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'not authorized',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(manyEvents(1));
    expect(refused[0]?.cause).not.toBeInstanceOf(PublishThrottledError);
    expect(refused[0]?.reason).toBe(
      'PutEvents of 1 entry to geminidb-jobs failed (AccessDeniedException: not authorized); check that the bus exists and the role may events:PutEvents on it',
    );
  });

  it('starts no request once the budget is spent and gives what is left as the abort signal', async () => {
    let nowMs = 1_000_000;
    const events = manyEvents(15);
    eventBridgeMock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
      nowMs += 3_000; // the first request takes the rest of the time
      return acceptAll(input);
    });
    const publisher = createEventBridgePublisher({ eventBus: BUS, client, now: () => nowMs });
    const { refused } = await publisher.publish(events, { budgetMs: 2_000 });
    expect(requests().map((entries) => entries.length)).toEqual([10]);
    expect(refused).toEqual(events.slice(10).map((event) => ({ id: event.id, reason: DEADLINE_REASON })));
    const call = eventBridgeMock.commandCalls(PutEventsCommand)[0];
    const options = (call?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
    expect(options?.abortSignal?.aborted).toBe(false);
  });

  it('sends nothing when no budget is left', async () => {
    const events = manyEvents(2);
    const { refused } = await createEventBridgePublisher({ eventBus: BUS, client }).publish(events, {
      budgetMs: 0,
    });
    expect(refused).toEqual(events.map((event) => ({ id: event.id, reason: DEADLINE_REASON })));
    expect(requests()).toEqual([]);
  });
});

describe('eventBridgeClientFor', () => {
  it('sends to the region of a bus ARN', async () => {
    const arnClient = eventBridgeClientFor(BUS_ARN);
    expect(await arnClient.config.region()).toBe('eu-west-1');
    arnClient.destroy();
  });
});
