import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { awsClientConfig } from '../aws-client-config';
import type { JobEvent } from '../job-event';
import { PublishError, PublishThrottledError } from './errors';
import { EVENTBRIDGE_SOURCE, parseEventBus } from './event-bus';
import { DEADLINE_REASON, type Publisher, type RefusedEvent } from './publisher';

export { EVENTBRIDGE_SOURCE };

/** Entries one `PutEvents` request takes (EventBridge API reference, `PutEvents`). */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * Bytes of entries one `PutEvents` request takes, counted by {@link putEventsEntrySize}. 256 KiB is
 * the limit the EventBridge user guide states; newer SDK docs allow 1 MB, but 256 KiB holds in every
 * region and partition, and an event is a few KB.
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** Bytes counted for a `Time`, whatever its value. */
const TIME_BYTES = 14;

/** Error codes of a throttled request or entry. */
const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
]);

/** Options of {@link createEventBridgePublisher}. */
export interface EventBridgePublisherOptions {
  /** `EventBusName` of every entry: a bus name (`default`) or a bus ARN (another account or region). */
  readonly eventBus: string;
  /**
   * Injected client (tests, custom retry settings); otherwise an `EventBridgeClient` in the region
   * of a bus ARN, or the SDK's default region for a bus name.
   */
  readonly client?: EventBridgeClient;
  /** Clock for the deadline (tests); `Date.now` otherwise. */
  readonly now?: () => number;
}

/**
 * The `PutEvents` entry of an event: `Source` {@link EVENTBRIDGE_SOURCE}, `DetailType` the
 * CloudEvent type, `Detail` the whole CloudEvent, `Time` its time (DESIGN.md, "The event").
 */
export function putEventsEntry(eventBus: string, event: JobEvent): PutEventsRequestEntry {
  return {
    Source: EVENTBRIDGE_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: new Date(event.time),
    EventBusName: eventBus,
  };
}

/**
 * The size EventBridge counts for an entry against the request limit, as the user guide's
 * "Calculating PutEvents event entry size" says: 14 bytes for a `Time`, plus the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` and each of `Resources` (`EventBusName` does not count).
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

/** An event and its entry. */
interface Pending {
  readonly event: JobEvent;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

/**
 * Splits entries, in order, into requests of at most {@link PUT_EVENTS_MAX_ENTRIES} entries and
 * {@link PUT_EVENTS_MAX_BYTES} bytes. An entry too big for any request is not in a batch but in
 * `oversized`.
 */
export function putEventsBatches<T extends { readonly size: number }>(
  items: readonly T[],
): { batches: T[][]; oversized: T[] } {
  const batches: T[][] = [];
  const oversized: T[] = [];
  let batch: T[] = [];
  let batchBytes = 0;
  for (const item of items) {
    if (item.size > PUT_EVENTS_MAX_BYTES) {
      oversized.push(item);
      continue;
    }
    if (batch.length === PUT_EVENTS_MAX_ENTRIES || batchBytes + item.size > PUT_EVENTS_MAX_BYTES) {
      batches.push(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(item);
    batchBytes += item.size;
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, oversized };
}

/**
 * A publisher to an EventBridge bus, for automation (rules on `detail-type` and `detail.data.*`,
 * archives and replay): each event one entry, sent with `PutEvents` in requests that respect its
 * limits, one request after another. `PutEvents` answers per entry: a refused entry (its
 * `ErrorCode`) is refused here and stays in the outbox, the accepted ones are not. A request that
 * fails as a whole (throttled, network, 5xx after the SDK's retries) refuses its entries and the
 * next request is still sent; no request starts once the budget is spent, and each one gets what is
 * left of it as its abort signal.
 */
export function createEventBridgePublisher(options: EventBridgePublisherOptions): Publisher {
  const { eventBus } = options;
  const ownsClient = options.client === undefined;
  const client = options.client ?? eventBridgeClientFor(eventBus);
  const now = options.now ?? Date.now;
  return {
    name: 'eventbridge',
    async publish(events, publishOptions) {
      const budgetMs = publishOptions?.budgetMs;
      const deadlineMs = budgetMs === undefined ? undefined : now() + budgetMs;
      return { refused: await putAll(client, eventBus, events, deadlineMs, now) };
    },
    async close(): Promise<void> {
      if (ownsClient) client.destroy();
    },
  };
}

/**
 * A client with the watcher's time bounds, in the region of a bus ARN (where `PutEvents` must go),
 * else in the SDK's default region.
 */
export function eventBridgeClientFor(eventBus: string): EventBridgeClient {
  const region = parseEventBus(eventBus)?.region;
  return new EventBridgeClient({ ...awsClientConfig(), ...(region ? { region } : {}) });
}

async function putAll(
  client: EventBridgeClient,
  eventBus: string,
  events: readonly JobEvent[],
  deadlineMs: number | undefined,
  now: () => number,
): Promise<RefusedEvent[]> {
  const pending = events.map((event): Pending => {
    const entry = putEventsEntry(eventBus, event);
    return { event, entry, size: putEventsEntrySize(entry) };
  });
  const { batches, oversized } = putEventsBatches(pending);
  const refused: RefusedEvent[] = oversized.map(({ event, size }) => {
    const error = new PublishError(
      'eventbridge',
      `event ${event.id} is ${size} bytes as a PutEvents entry, over the ${PUT_EVENTS_MAX_BYTES}-byte limit; EventBridge cannot take it`,
    );
    return { id: event.id, reason: error.detail, cause: error };
  });
  for (const batch of batches) {
    const leftMs = deadlineMs === undefined ? undefined : deadlineMs - now();
    if (leftMs !== undefined && leftMs <= 0) {
      refused.push(...batch.map(({ event }) => ({ id: event.id, reason: DEADLINE_REASON })));
      continue;
    }
    let answer: readonly PutEventsResultEntry[];
    try {
      const output = await client.send(
        new PutEventsCommand({ Entries: batch.map(({ entry }) => entry) }),
        leftMs === undefined ? {} : { abortSignal: AbortSignal.timeout(leftMs) },
      );
      answer = output.Entries ?? [];
    } catch (error) {
      const failure = requestError(error, batch.length, eventBus);
      refused.push(...batch.map(({ event }) => ({ id: event.id, reason: failure.detail, cause: failure })));
      continue;
    }
    // Entries are answered in request order: the i-th result is the i-th entry's.
    for (const [index, { event }] of batch.entries()) {
      const result = answer[index];
      if (result?.EventId && !result.ErrorCode) continue;
      const failure = entryError(result, event, eventBus);
      refused.push({ id: event.id, reason: failure.detail, cause: failure });
    }
  }
  return refused;
}

function entryError(
  result: PutEventsResultEntry | undefined,
  event: JobEvent,
  eventBus: string,
): PublishError {
  if (!result?.ErrorCode) {
    return new PublishError(
      'eventbridge',
      `PutEvents answered no EventId for event ${event.id} on ${eventBus}; it stays in the outbox for the next cycle`,
    );
  }
  const text = `PutEvents refused event ${event.id} on ${eventBus}: ${result.ErrorCode}: ${oneLine(result.ErrorMessage ?? 'no message')}`;
  return THROTTLING_ERROR_NAMES.has(result.ErrorCode)
    ? new PublishThrottledError('eventbridge', `${text}; it stays in the outbox for the next cycle`)
    : new PublishError('eventbridge', `${text}; it stays in the outbox for the next cycle`);
}

function requestError(error: unknown, entries: number, eventBus: string): PublishError {
  const reason = oneLine(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  const what = `PutEvents of ${entries} entr${entries === 1 ? 'y' : 'ies'} to ${eventBus}`;
  if (isThrottling(error)) {
    return new PublishThrottledError(
      'eventbridge',
      `${what} was throttled (${reason}); they stay in the outbox for the next cycle, raise the PutEvents quota if this persists`,
      { cause: error },
    );
  }
  return new PublishError(
    'eventbridge',
    `${what} failed (${reason}); check that the bus exists and the role may events:PutEvents on it`,
    { cause: error },
  );
}

function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (typeof name === 'string' && THROTTLING_ERROR_NAMES.has(name)) || $metadata?.httpStatusCode === 429;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
