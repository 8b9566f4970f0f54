import { randomUUID } from 'node:crypto';
import { jsonProtocol } from './json-protocol';
import { AwsStandInError, type StandIn, startStandIn } from './server';

/** The SDK's `AWS_ENDPOINT_URL_<serviceId>` for EventBridge (`serviceId` "EventBridge"). */
export const EVENTBRIDGE_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_EVENTBRIDGE';

/** `PutEvents` takes 1 to 10 entries and at most 256 KiB of them (see {@link putEventsEntrySize}). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** One `PutEvents` entry as sent (`Time` decoded from epoch seconds). */
export interface EventBridgeEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Time?: Date;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly TraceHeader?: string;
}

/** An entry EventBridge accepted, with the `EventId` it answered. */
export interface AcceptedEvent extends EventBridgeEntry {
  readonly EventId: string;
}

/** An entry EventBridge refused, with the `ErrorCode` and `ErrorMessage` it answered. */
export interface RefusedEntry {
  readonly entry: EventBridgeEntry;
  readonly ErrorCode: string;
  readonly ErrorMessage: string;
}

/** Refuses entries that match, `times` times in all (default once), with the given error. */
export interface RefusalRule {
  /** `index` is the entry's position in its request. */
  readonly match: (entry: EventBridgeEntry, index: number) => boolean;
  readonly times?: number;
  /** Default `InternalFailure`, an error AWS says to retry. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** A local EventBridge: `PutEvents` over awsJson1_1, with per-entry partial failures on demand. */
export interface EventBridgeStandIn extends StandIn {
  /** Accepted entries, in order. */
  readonly events: readonly AcceptedEvent[];
  /** Refused entries (by a rule or by the entry checks), in order. */
  readonly refused: readonly RefusedEntry[];
  /** The entries of every `PutEvents` that got an answer, one array per request. */
  readonly requests: readonly (readonly EventBridgeEntry[])[];
  /** Adds a refusal rule: a matching entry gets `ErrorCode` in the answer and counts in `FailedEntryCount`. */
  refuse(rule: RefusalRule): void;
  /** Refuses the entry at `index` of the next request that has one, once. */
  refuseEntryAt(index: number, error?: { readonly errorCode?: string; readonly errorMessage?: string }): void;
}

/**
 * The size EventBridge counts for an entry against the 256 KiB limit ("Calculating PutEvents
 * event entry size" in the EventBridge user guide): 14 bytes for a `Time`, plus the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function putEventsEntrySize(entry: EventBridgeEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text);
  }
  return size;
}

/**
 * Starts a local EventBridge that speaks awsJson1_1 (the protocol of `@aws-sdk/client-eventbridge`).
 * Each entry is checked as EventBridge checks it (`Source`, `DetailType` and `Detail` present,
 * `Detail` a JSON object), then against the refusal rules; the answer lists an `EventId` or an
 * `ErrorCode` per entry, in order, and `FailedEntryCount`, as AWS documents partial failures.
 */
export async function startEventBridgeStandIn(): Promise<EventBridgeStandIn> {
  const protocol = jsonProtocol({ version: '1.1', targetPrefix: 'AWSEvents' });
  const events: AcceptedEvent[] = [];
  const refused: RefusedEntry[] = [];
  const requests: EventBridgeEntry[][] = [];
  const rules: { rule: RefusalRule; left: number }[] = [];

  const refusal = (
    entry: EventBridgeEntry,
    index: number,
  ): { ErrorCode: string; ErrorMessage: string } | undefined => {
    const invalid = entryProblem(entry);
    if (invalid) return invalid;
    const hit = rules.find(({ rule, left }) => left > 0 && rule.match(entry, index));
    if (!hit) return undefined;
    hit.left -= 1;
    return {
      ErrorCode: hit.rule.errorCode ?? 'InternalFailure',
      ErrorMessage: hit.rule.errorMessage ?? 'Internal Failure',
    };
  };

  const standIn = await startStandIn({
    signingName: 'events',
    endpointVariable: EVENTBRIDGE_ENDPOINT_VARIABLE,
    protocol,
    throttle: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    handle(operation, request) {
      if (operation !== 'PutEvents') {
        throw new AwsStandInError({
          status: 400,
          code: 'UnknownOperationException',
          message: `${operation} is not served here`,
        });
      }
      const raw = protocol.input(request).Entries;
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > PUT_EVENTS_MAX_ENTRIES) {
        throw new AwsStandInError({
          status: 400,
          code: 'ValidationException',
          message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_MAX_ENTRIES}`,
        });
      }
      const entries = raw.map(decodeEntry);
      if (entries.reduce((total, entry) => total + putEventsEntrySize(entry), 0) > PUT_EVENTS_MAX_BYTES) {
        throw new AwsStandInError({
          status: 400,
          code: 'ValidationException',
          message: 'Total size of the entries in the request is over the limit.',
        });
      }
      requests.push(entries);
      const results = entries.map((entry, index) => {
        const error = refusal(entry, index);
        if (error) {
          refused.push({ entry, ...error });
          return error;
        }
        const accepted = { ...entry, EventId: randomUUID() };
        events.push(accepted);
        return { EventId: accepted.EventId };
      });
      return protocol.result({
        FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
        Entries: results,
      });
    },
  });
  return Object.assign(standIn, {
    events,
    refused,
    requests,
    refuse: (rule: RefusalRule) => {
      rules.push({ rule, left: rule.times ?? 1 });
    },
    refuseEntryAt: (index: number, error: { errorCode?: string; errorMessage?: string } = {}) => {
      rules.push({ rule: { match: (_entry, at) => at === index, ...error }, left: 1 });
    },
  });
}

function decodeEntry(raw: unknown): EventBridgeEntry {
  const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (name: string) => (typeof entry[name] === 'string' ? { [name]: entry[name] } : {});
  return {
    ...text('Source'),
    ...text('DetailType'),
    ...text('Detail'),
    ...(typeof entry.Time === 'number' ? { Time: new Date(entry.Time * 1000) } : {}),
    ...text('EventBusName'),
    ...(Array.isArray(entry.Resources) ? { Resources: entry.Resources.map(String) } : {}),
    ...text('TraceHeader'),
  };
}

function entryProblem(entry: EventBridgeEntry): { ErrorCode: string; ErrorMessage: string } | undefined {
  const missing = (['Source', 'DetailType', 'Detail'] as const).filter((name) => !entry[name]);
  if (missing.length > 0) {
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter(s) ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not valid. Reason: required`,
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}
