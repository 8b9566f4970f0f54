import type { JobEvent } from '../job-event';
import { checkJobEvent } from './job-event-schema';

/** The `source` of every EventBridge entry the watcher sends (DESIGN.md, "The event"). */
export const EVENTBRIDGE_SOURCE = 'geminidb-job-watcher';

/** What a consumer can receive an event in, as {@link parseJobEvent} recognises it. */
export const JobEventEnvelope = {
  /** The CloudEvent JSON itself: a webhook body, an SQS body with raw delivery, a JSONL line. */
  CloudEvent: 'cloudevent',
  /** An SNS message of type `Notification`: an HTTPS POST body, an SQS body without raw delivery. */
  SnsNotification: 'sns-notification',
  /** An SNS `SubscriptionConfirmation` (HTTPS endpoints only): no event, a subscription to confirm. */
  SnsSubscriptionConfirmation: 'sns-subscription-confirmation',
  /** An SNS `UnsubscribeConfirmation` (HTTPS endpoints only): no event, the endpoint was unsubscribed. */
  SnsUnsubscribeConfirmation: 'sns-unsubscribe-confirmation',
  /** The event a Lambda function subscribed to the topic gets: `{"Records": [{"Sns": {...}}]}`. */
  LambdaSnsEvent: 'lambda-sns-event',
  /** One record of a {@link JobEventEnvelope.LambdaSnsEvent}. */
  LambdaSnsRecord: 'lambda-sns-record',
  /** The event a Lambda function reading an SQS queue gets: `{"Records": [{"body": "..."}]}`. */
  LambdaSqsEvent: 'lambda-sqs-event',
  /** One SQS message as Lambda passes it; its body is the CloudEvent, an SNS message or an EventBridge event. */
  SqsRecord: 'sqs-record',
  /** An EventBridge event (a rule's target input): `source`, `detail-type`, `detail` = the CloudEvent. */
  EventBridge: 'eventbridge',
  /** Nothing the kit knows. */
  Unknown: 'unknown',
} as const;
export type JobEventEnvelope = (typeof JobEventEnvelope)[keyof typeof JobEventEnvelope];

/**
 * The input holds no valid job event. The message says which envelopes were opened and what did
 * not fit, by field path, e.g. `SQS record 059f... > body: SNS notification 22b8... > Message:
 * CloudEvent 0826...: data.job.status: must be "Failed" for a com.huaweicloud.geminidb.job.failed
 * event, got "Completed"`. An SNS subscription or unsubscribe confirmation is reported this way
 * too, with its own {@link envelope}, so an HTTPS receiver can tell it apart from a bad event.
 */
export class JobEventParseError extends Error {
  override readonly name = 'JobEventParseError';
  /** The outermost envelope recognised: what the consumer was handed. */
  readonly envelope: JobEventEnvelope;
  /** Every envelope opened, outermost first, e.g. `['sqs-record', 'sns-notification', 'cloudevent']`. */
  readonly envelopes: readonly JobEventEnvelope[];

  constructor(message: string, envelopes: readonly JobEventEnvelope[], options?: { cause?: unknown }) {
    super(message, options);
    this.envelopes = envelopes.length > 0 ? envelopes : [JobEventEnvelope.Unknown];
    this.envelope = this.envelopes[0] ?? JobEventEnvelope.Unknown;
  }
}

/**
 * Takes whatever a consumer receives and returns the job event in it, checked against the event
 * contract: the CloudEvent JSON (text or parsed), an SNS HTTPS POST body, a Lambda SNS record, an
 * SQS record with or without raw message delivery (or carrying an EventBridge event), an
 * EventBridge event, or a whole Lambda SNS or SQS event holding exactly one record. Throws
 * {@link JobEventParseError} otherwise; for events with several records use {@link parseJobEvents}
 * or, for SQS batches, parse each record on its own so that one bad message fails alone.
 * Unknown fields (CloudEvents extensions such as `test`, fields of later versions) are kept.
 */
export function parseJobEvent(input: unknown): JobEvent {
  const trail = new Trail();
  const document = trail.document(input, 'input');
  if (isLambdaEvent(document)) {
    const records = trail.lambdaRecords(document);
    if (records.length !== 1) {
      trail.fail(
        'Records',
        `holds ${records.length} records: call parseJobEvents(event), or parseJobEvent(record) for each record`,
      );
    }
    return trail.record(records[0], 'Records[0]');
  }
  return trail.open(document);
}

/**
 * The job events of a Lambda SNS or SQS event, one per record in order; any other input gives a
 * list of one. All or nothing: the first record that holds no valid event throws, naming
 * `Records[i]`. With an SQS event source, prefer parsing each record inside Powertools batch
 * processing (see docs/consume.md, recipe 2), which retries only the records that failed.
 */
export function parseJobEvents(input: unknown): JobEvent[] {
  const trail = new Trail();
  const document = trail.document(input, 'input');
  if (!isLambdaEvent(document)) return [trail.open(document)];
  return trail
    .lambdaRecords(document)
    .map((record, index) => trail.fork().record(record, `Records[${index}]`));
}

type Json = Record<string, unknown>;

/** One envelope opened: what it is, how the message names it, and the field it was found in. */
interface Frame {
  readonly envelope: JobEventEnvelope;
  readonly label: string;
  readonly via: string | undefined;
}

/** Longest excerpt of a foreign value quoted in a message. */
const MAX_QUOTE_CHARS = 64;

const UNKNOWN_INPUT =
  'not an envelope the consumer kit knows: expected a CloudEvent (specversion, type, data), an SNS message ' +
  '(Type, MessageId, Message), a Lambda SNS or SQS record or event (Sns, body, Records) or an EventBridge ' +
  'event (source, detail-type, detail)';

/** The envelopes opened so far; builds the error message from them. */
class Trail {
  private readonly frames: Frame[] = [];
  private pendingVia: string | undefined;

  /** A copy for one branch (one record of several). */
  fork(): Trail {
    const copy = new Trail();
    copy.frames.push(...this.frames);
    return copy;
  }

  fail(where: string | undefined, problem: string, cause?: unknown): never {
    const [first, ...rest] = this.frames;
    let message: string;
    if (first === undefined) {
      message = `${where ?? 'input'}: ${problem}`;
    } else {
      let text = first.label;
      for (const frame of rest) text += ` > ${frame.via ?? '?'}: ${frame.label}`;
      message = `${text}: ${where ? `${where}: ` : ''}${problem}`;
    }
    throw new JobEventParseError(
      message,
      this.frames.map((frame) => frame.envelope),
      cause === undefined ? undefined : { cause },
    );
  }

  /** A JSON object given as itself or as its text; `where` names it in errors. */
  document(value: unknown, where: string): Json {
    let parsed = value;
    if (typeof value === 'string' || value instanceof Uint8Array) {
      const text = typeof value === 'string' ? value : new TextDecoder().decode(value);
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        this.fail(
          where,
          `is not JSON (${quote(error instanceof Error ? error.message : String(error), 120)})`,
          error,
        );
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.fail(where, `expected a JSON object, got ${describe(parsed)}`);
    }
    return parsed as Json;
  }

  /** Opens a document of any known envelope down to its job event. */
  open(document: Json): JobEvent {
    switch (classify(document)) {
      case JobEventEnvelope.CloudEvent:
        return this.cloudEvent(document);
      case JobEventEnvelope.SnsNotification:
        return this.snsMessage(document);
      case JobEventEnvelope.LambdaSnsRecord:
      case JobEventEnvelope.SqsRecord:
        return this.record(document, undefined);
      case JobEventEnvelope.EventBridge:
        return this.eventBridge(document);
      default:
        return this.fail(undefined, `${UNKNOWN_INPUT}; got an object with ${keysOf(document)}`);
    }
  }

  /** The records of a Lambda event, after checking they all come from one SNS or SQS source. */
  lambdaRecords(document: Json): unknown[] {
    const records = document.Records;
    if (!Array.isArray(records)) return this.fail('Records', `expected an array, got ${describe(records)}`);
    const source = recordSource(records[0]);
    if (source === undefined) {
      this.enter(JobEventEnvelope.Unknown, 'Lambda event');
      return this.fail(
        records.length === 0 ? 'Records' : 'Records[0]',
        records.length === 0 ? 'is empty' : 'is neither an SNS record (Sns) nor an SQS record (body)',
      );
    }
    const envelope = source === 'sns' ? JobEventEnvelope.LambdaSnsEvent : JobEventEnvelope.LambdaSqsEvent;
    this.enter(envelope, source === 'sns' ? 'Lambda SNS event' : 'Lambda SQS event');
    return records;
  }

  /** One Lambda record: an SNS record or an SQS record. */
  record(value: unknown, via: string | undefined): JobEvent {
    if (via !== undefined) this.pendingVia = via;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(via, `expected a record object, got ${describe(value)}`);
    }
    const record = value as Json;
    if (recordSource(record) === 'sns') return this.snsRecord(record);
    if (recordSource(record) === 'sqs') return this.sqsRecord(record);
    return this.fail(via, 'is neither an SNS record (Sns) nor an SQS record (body)');
  }

  private snsRecord(record: Json): JobEvent {
    this.enter(JobEventEnvelope.LambdaSnsRecord, 'Lambda SNS record');
    const source = record.EventSource;
    if (source !== undefined && source !== 'aws:sns') {
      this.fail('EventSource', `expected "aws:sns", got ${describe(source)}`);
    }
    const sns = record.Sns;
    if (typeof sns !== 'object' || sns === null || Array.isArray(sns)) {
      return this.fail('Sns', `expected the SNS message object, got ${describe(sns)}`);
    }
    this.pendingVia = 'Sns';
    return this.snsMessage(sns as Json);
  }

  private sqsRecord(record: Json): JobEvent {
    const messageId = typeof record.messageId === 'string' ? ` ${quote(record.messageId)}` : '';
    this.enter(JobEventEnvelope.SqsRecord, `SQS record${messageId}`);
    const source = record.eventSource;
    if (source !== undefined && source !== 'aws:sqs') {
      this.fail('eventSource', `expected "aws:sqs", got ${describe(source)}`);
    }
    if (typeof record.body !== 'string') {
      return this.fail('body', `expected the message body as text, got ${describe(record.body)}`);
    }
    const body = this.document(record.body, 'body');
    this.pendingVia = 'body';
    switch (classify(body)) {
      case JobEventEnvelope.CloudEvent:
        return this.cloudEvent(body);
      case JobEventEnvelope.SnsNotification:
        return this.snsMessage(body);
      case JobEventEnvelope.EventBridge:
        return this.eventBridge(body);
      default:
        return this.fail(
          'body',
          `expected a CloudEvent (raw message delivery), an SNS notification or an EventBridge event; got an object with ${keysOf(body)}`,
        );
    }
  }

  /** An SNS message: an HTTPS POST body, an SQS body without raw delivery, a Lambda record's `Sns`. */
  private snsMessage(message: Json): JobEvent {
    const type = message.Type;
    const messageId = typeof message.MessageId === 'string' ? ` ${quote(message.MessageId)}` : '';
    const topic = typeof message.TopicArn === 'string' ? ` on ${quote(message.TopicArn, 256)}` : '';
    if (type === 'SubscriptionConfirmation') {
      this.enter(
        JobEventEnvelope.SnsSubscriptionConfirmation,
        `SNS SubscriptionConfirmation${messageId}${topic}`,
      );
      return this.fail(
        undefined,
        'not an event but a subscription to confirm: after checking the SNS signature, fetch its SubscribeURL, ' +
          'or run aws sns confirm-subscription with its TopicArn and Token',
      );
    }
    if (type === 'UnsubscribeConfirmation') {
      this.enter(
        JobEventEnvelope.SnsUnsubscribeConfirmation,
        `SNS UnsubscribeConfirmation${messageId}${topic}`,
      );
      return this.fail(
        undefined,
        'not an event: this endpoint was unsubscribed from the topic (its SubscribeURL subscribes it again)',
      );
    }
    this.enter(JobEventEnvelope.SnsNotification, `SNS notification${messageId}`);
    if (type !== 'Notification') {
      return this.fail(
        'Type',
        `expected "Notification", "SubscriptionConfirmation" or "UnsubscribeConfirmation", got ${describe(type)}`,
      );
    }
    if (typeof message.Message !== 'string') {
      return this.fail('Message', `expected the event JSON as text, got ${describe(message.Message)}`);
    }
    const event = this.document(message.Message, 'Message');
    this.pendingVia = 'Message';
    return this.cloudEvent(event);
  }

  /** An EventBridge event: `source` the watcher's, `detail` the CloudEvent, `detail-type` its type. */
  private eventBridge(event: Json): JobEvent {
    const id = typeof event.id === 'string' ? ` ${quote(event.id)}` : '';
    this.enter(JobEventEnvelope.EventBridge, `EventBridge event${id}`);
    if (event.source !== EVENTBRIDGE_SOURCE) {
      this.fail('source', `expected "${EVENTBRIDGE_SOURCE}", got ${describe(event.source)}`);
    }
    const detail = this.document(event.detail, 'detail');
    this.pendingVia = 'detail';
    const jobEvent = this.cloudEvent(detail);
    if (event['detail-type'] !== jobEvent.type) {
      this.frames.pop();
      this.fail(
        'detail-type',
        `expected the event's type "${jobEvent.type}", got ${describe(event['detail-type'])}`,
      );
    }
    return jobEvent;
  }

  private cloudEvent(document: Json): JobEvent {
    const id = typeof document.id === 'string' && document.id !== '' ? ` ${quote(document.id)}` : '';
    this.enter(JobEventEnvelope.CloudEvent, `CloudEvent${id}`);
    const checked = checkJobEvent(document);
    if (!checked.valid) return this.fail(undefined, checked.problems.join('; '));
    return checked.event;
  }

  private enter(envelope: JobEventEnvelope, label: string): void {
    this.frames.push({ envelope, label, via: this.pendingVia });
    this.pendingVia = undefined;
  }
}

function isLambdaEvent(document: Json): boolean {
  return 'Records' in document;
}

/** Which Lambda event source a record comes from, by its fields. */
function recordSource(record: unknown): 'sns' | 'sqs' | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const fields = record as Json;
  if (fields.EventSource === 'aws:sns' || 'Sns' in fields) return 'sns';
  if (fields.eventSource === 'aws:sqs' || ('body' in fields && 'receiptHandle' in fields)) return 'sqs';
  return undefined;
}

/** Which envelope a JSON object is, by the fields each one always has. */
function classify(document: Json): JobEventEnvelope {
  if ('Sns' in document) return JobEventEnvelope.LambdaSnsRecord;
  if (recordSource(document) === 'sqs') return JobEventEnvelope.SqsRecord;
  if ('detail-type' in document || ('detail' in document && 'source' in document)) {
    return JobEventEnvelope.EventBridge;
  }
  if ('Type' in document && ('MessageId' in document || 'TopicArn' in document)) {
    return JobEventEnvelope.SnsNotification;
  }
  if (
    'specversion' in document ||
    'datacontenttype' in document ||
    ('type' in document && 'data' in document)
  ) {
    return JobEventEnvelope.CloudEvent;
  }
  return JobEventEnvelope.Unknown;
}

/** A foreign string, cut so that a message stays one readable line. */
function quote(text: string, maxChars = MAX_QUOTE_CHARS): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > maxChars ? `${line.slice(0, maxChars)}...` : line;
}

/** What a value is, for "expected X, got Y". */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${quote(value)}"`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${quote(String(value))}`;
}

function keysOf(document: Json): string {
  const keys = Object.keys(document);
  if (keys.length === 0) return 'no keys';
  const shown = keys.slice(0, 8).map((key) => quote(key, 32));
  return `the keys ${shown.join(', ')}${keys.length > shown.length ? ', ...' : ''}`;
}
