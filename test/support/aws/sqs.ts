import { createHash, randomUUID } from 'node:crypto';
import { jsonProtocol, stringField } from './json-protocol';
import { AwsStandInError, STAND_IN_ACCOUNT_ID, type StandIn, startStandIn } from './server';

/** The SDK's `AWS_ENDPOINT_URL_<serviceId>` for SQS (`serviceId` "SQS"). */
export const SQS_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_SQS';

/** The longest `DelaySeconds` SQS takes (15 minutes). */
export const SQS_MAX_DELAY_SECONDS = 900;

/** A message attribute as sent (`BinaryValue` decoded from base64). */
export interface SqsAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Buffer;
}

/** A message SQS accepted. */
export interface SentMessage {
  readonly MessageId: string;
  readonly QueueUrl: string;
  /** The queue's name (last path segment of `QueueUrl`). */
  readonly queueName: string;
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
  readonly MessageAttributes: Readonly<Record<string, SqsAttributeValue>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

/**
 * A local SQS: `SendMessage`, `SendMessageBatch`, and `GetQueueAttributes` with the queue depth
 * (every message sent to a queue stays visible: nothing receives), over awsJson1_0.
 */
export interface SqsStandIn extends StandIn {
  /** Accepted messages, in order (each entry of a batch is one). */
  readonly sent: readonly SentMessage[];
  /** Operations served, in order (`SendMessage`, `SendMessageBatch`): the billed requests. */
  readonly operations: readonly string[];
  /**
   * The URL of queue `name` on this stand-in. Use it as the queue URL everywhere: for `SendMessage`
   * the SDK sends to the host of `QueueUrl`, not to `AWS_ENDPOINT_URL_SQS`, unless the client is
   * given an `endpoint` (`useQueueUrlAsEndpoint`, @aws-sdk/middleware-sdk-sqs).
   */
  queueUrl(name: string): string;
}

/** Options of {@link startSqsStandIn}. */
export interface SqsStandInOptions {
  /** Queue names that exist; a send to another is `QueueDoesNotExist`. Default: every queue exists. */
  readonly queues?: readonly string[];
}

/**
 * Starts a local SQS that speaks awsJson1_0 with awsQuery-compatible errors (the protocol of
 * `@aws-sdk/client-sqs`). It answers `MD5OfMessageBody`, which the SDK checks, refuses a
 * `DelaySeconds` outside 0-900 and, on a FIFO queue, any per-message delay or a missing
 * `MessageGroupId`, as SQS does. In a `SendMessageBatch` an entry it refuses is reported in
 * `Failed` and the others are accepted; more than ten entries refuse the whole batch.
 */
export async function startSqsStandIn(options: SqsStandInOptions = {}): Promise<SqsStandIn> {
  const protocol = jsonProtocol({
    version: '1.0',
    targetPrefix: 'AmazonSQS',
    queryErrorCodes: {
      QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
      InvalidParameterValue: 'InvalidParameterValue',
      MissingParameter: 'MissingParameter',
      RequestThrottled: 'RequestThrottled',
      InternalFailure: 'InternalFailure',
    },
  });
  const sent: SentMessage[] = [];
  const operations: string[] = [];

  /** Validates and records one message; throws what SQS would answer for it. */
  const accept = (queueUrl: string, queueName: string, input: Record<string, unknown>): SentMessage => {
    const body = stringField(input, 'MessageBody', true);
    if (body === '') throw invalidValue('MessageBody', body, 'The message body must not be empty.');
    const delay = input.DelaySeconds;
    if (
      delay !== undefined &&
      (!Number.isInteger(delay) || (delay as number) < 0 || (delay as number) > SQS_MAX_DELAY_SECONDS)
    ) {
      throw invalidValue(
        'DelaySeconds',
        String(delay),
        `Must be between 0 and ${SQS_MAX_DELAY_SECONDS}, if provided.`,
      );
    }
    const groupId = stringField(input, 'MessageGroupId');
    if (queueName.endsWith('.fifo')) {
      if ((delay as number | undefined) !== undefined && delay !== 0) {
        throw invalidValue(
          'DelaySeconds',
          String(delay),
          'The request include parameter that is not valid for this queue type.',
        );
      }
      if (groupId === undefined) {
        throw new AwsStandInError({
          status: 400,
          code: 'MissingParameter',
          message: 'The request must contain the parameter MessageGroupId.',
        });
      }
    }
    const deduplicationId = stringField(input, 'MessageDeduplicationId');
    const message: SentMessage = {
      MessageId: randomUUID(),
      QueueUrl: queueUrl,
      queueName,
      MessageBody: body,
      ...(delay === undefined ? {} : { DelaySeconds: delay as number }),
      MessageAttributes: decodeAttributes(input.MessageAttributes),
      ...(groupId === undefined ? {} : { MessageGroupId: groupId }),
      ...(deduplicationId === undefined ? {} : { MessageDeduplicationId: deduplicationId }),
    };
    sent.push(message);
    return message;
  };

  const standIn = await startStandIn({
    signingName: 'sqs',
    endpointVariable: SQS_ENDPOINT_VARIABLE,
    protocol,
    throttle: { status: 400, code: 'RequestThrottled', message: 'Request is throttled.' },
    handle(operation, request) {
      if (operation === 'GetQueueAttributes') {
        return protocol.result(queueAttributes(protocol.input(request), sent));
      }
      if (operation !== 'SendMessage' && operation !== 'SendMessageBatch') {
        throw new AwsStandInError({
          status: 400,
          code: 'UnknownOperationException',
          message: `${operation} is not served here`,
        });
      }
      const input = protocol.input(request);
      const queueUrl = stringField(input, 'QueueUrl', true);
      const queueName = new URL(queueUrl).pathname.split('/').at(-1) ?? '';
      if (options.queues !== undefined && !options.queues.includes(queueName)) {
        throw new AwsStandInError({
          status: 400,
          code: 'QueueDoesNotExist',
          message: 'The specified queue does not exist.',
        });
      }
      operations.push(operation);
      if (operation === 'SendMessage') {
        const message = accept(queueUrl, queueName, input);
        return protocol.result({ MessageId: message.MessageId, MD5OfMessageBody: md5(message.MessageBody) });
      }
      const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
      if (entries.length === 0 || entries.length > 10) {
        throw new AwsStandInError({
          status: 400,
          code:
            entries.length === 0
              ? 'AWS.SimpleQueueService.EmptyBatchRequest'
              : 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
          message: `A batch takes 1 to 10 entries, got ${entries.length}.`,
        });
      }
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of entries) {
        const id = stringField(entry, 'Id', true);
        try {
          const message = accept(queueUrl, queueName, entry);
          Successful.push({
            Id: id,
            MessageId: message.MessageId,
            MD5OfMessageBody: md5(message.MessageBody),
          });
        } catch (error) {
          if (!(error instanceof AwsStandInError)) throw error;
          Failed.push({ Id: id, SenderFault: true, Code: error.spec.code, Message: error.spec.message });
        }
      }
      return protocol.result({ Successful, Failed });
    },
  });
  return Object.assign(standIn, {
    sent,
    operations,
    queueUrl: (name: string) => `${standIn.url}/${STAND_IN_ACCOUNT_ID}/${name}`,
  });
}

function md5(body: string): string {
  return createHash('md5').update(body).digest('hex');
}

/** The depth attributes `GetQueueAttributes` asks for; the messages sent to the queue count as visible. */
function queueAttributes(input: Record<string, unknown>, sent: readonly SentMessage[]) {
  const queueUrl = stringField(input, 'QueueUrl', true);
  const queueName = new URL(queueUrl).pathname.split('/').at(-1) ?? '';
  const depth: Record<string, string> = {
    ApproximateNumberOfMessages: String(sent.filter((message) => message.queueName === queueName).length),
    ApproximateNumberOfMessagesNotVisible: '0',
    ApproximateNumberOfMessagesDelayed: '0',
  };
  const asked = Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : [];
  const all = asked.includes('All');
  return {
    Attributes: Object.fromEntries(Object.entries(depth).filter(([name]) => all || asked.includes(name))),
  };
}

function invalidValue(parameter: string, value: string, reason: string): AwsStandInError {
  return new AwsStandInError({
    status: 400,
    code: 'InvalidParameterValue',
    message: `Value ${value} for parameter ${parameter} is invalid. Reason: ${reason}`,
  });
}

function decodeAttributes(raw: unknown): Record<string, SqsAttributeValue> {
  const attributes: Record<string, SqsAttributeValue> = {};
  if (typeof raw !== 'object' || raw === null) return attributes;
  for (const [name, value] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    attributes[name] = {
      DataType: String(value.DataType),
      ...(typeof value.StringValue === 'string' ? { StringValue: value.StringValue } : {}),
      ...(typeof value.BinaryValue === 'string'
        ? { BinaryValue: Buffer.from(value.BinaryValue, 'base64') }
        : {}),
    };
  }
  return attributes;
}
