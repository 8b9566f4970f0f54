import { randomUUID } from 'node:crypto';
import {
  escapeXml,
  optionalParam,
  type QueryAttributeValue,
  queryAttributes,
  queryProtocol,
} from './query-protocol';
import { AwsStandInError, type StandIn, startStandIn } from './server';

/** The SDK's `AWS_ENDPOINT_URL_<serviceId>` for SNS (`serviceId` "SNS"). */
export const SNS_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_SNS';

/** SNS refuses a message over 256 KiB. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** SNS takes at most 10 message attributes, and 10 entries in a batch. */
const MAX_ATTRIBUTES = 10;
const MAX_BATCH_ENTRIES = 10;
/** Email subjects: at most 100 characters, no line break. */
const MAX_SUBJECT_CHARS = 100;

/** A message SNS accepted, decoded from the request. */
export interface PublishedMessage {
  readonly MessageId: string;
  readonly TopicArn?: string;
  readonly TargetArn?: string;
  readonly Message: string;
  readonly MessageStructure?: string;
  readonly Subject?: string;
  readonly MessageAttributes: Readonly<Record<string, QueryAttributeValue>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
  /** `Publish` or `PublishBatch`; for a batch, the entry's `Id` too. */
  readonly operation: 'Publish' | 'PublishBatch';
  readonly batchEntryId?: string;
}

/** A subscription as the stand-in holds it. */
export interface StoredSubscription {
  readonly topicArn: string;
  /** `email`, `https`, `sqs`, `lambda`, ... */
  readonly protocol: string;
  readonly endpoint: string;
  /** False until the subscriber confirms (email, HTTP/S): listed as `PendingConfirmation`. */
  readonly confirmed: boolean;
  readonly subscriptionArn: string;
}

/**
 * A local SNS: `Publish` and `PublishBatch`, and `ListSubscriptionsByTopic` and
 * `GetSubscriptionAttributes` on the subscriptions a test adds, over awsQuery.
 */
export interface SnsStandIn extends StandIn {
  /** Every accepted message, in order. */
  readonly published: readonly PublishedMessage[];
  /** Adds a subscription to `topicArn` (confirmed unless said otherwise). */
  addSubscription(
    subscription: Pick<StoredSubscription, 'topicArn' | 'protocol' | 'endpoint'> & {
      readonly confirmed?: boolean;
    },
  ): StoredSubscription;
}

/** Options of {@link startSnsStandIn}. */
export interface SnsStandInOptions {
  /** Topics that exist; a publish to another is `NotFound`. Default: every topic exists. */
  readonly topicArns?: readonly string[];
}

/**
 * What a subscriber of `protocol` receives of a message: the `Message` itself, or for
 * `MessageStructure: json` its `protocol` entry, else its `default` one.
 */
export function deliveredMessage(message: PublishedMessage, protocol = 'default'): string {
  if (message.MessageStructure !== 'json') return message.Message;
  const structured = JSON.parse(message.Message) as Record<string, string>;
  return structured[protocol] ?? (structured.default as string);
}

/**
 * Starts a local SNS that speaks awsQuery (the protocol of `@aws-sdk/client-sns`), checks what SNS
 * checks about a message (size, JSON structure with a `default` entry, non-empty attribute values,
 * at most 10 attributes, subject length, a group id on a FIFO topic), and records what it accepted.
 */
export async function startSnsStandIn(options: SnsStandInOptions = {}): Promise<SnsStandIn> {
  const protocol = queryProtocol({
    xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
    version: '2010-03-31',
  });
  const published: PublishedMessage[] = [];
  const subscriptions: StoredSubscription[] = [];

  const decode = (
    form: URLSearchParams,
    prefix: string,
  ): Omit<PublishedMessage, 'MessageId' | 'operation'> => {
    const at = (name: string) => optionalParam(form, `${prefix}${name}`);
    const topicArn = at('TopicArn') ?? optionalParam(form, 'TopicArn');
    const message = {
      ...(topicArn === undefined ? {} : { TopicArn: topicArn }),
      ...optional('TargetArn', at('TargetArn')),
      Message: at('Message') ?? '',
      ...optional('MessageStructure', at('MessageStructure')),
      ...optional('Subject', at('Subject')),
      MessageAttributes: queryAttributes(form, `${prefix}MessageAttributes`),
      ...optional('MessageGroupId', at('MessageGroupId')),
      ...optional('MessageDeduplicationId', at('MessageDeduplicationId')),
    };
    check(message, options.topicArns);
    return message;
  };

  const standIn = await startStandIn({
    signingName: 'sns',
    endpointVariable: SNS_ENDPOINT_VARIABLE,
    protocol,
    throttle: { status: 429, code: 'Throttled', message: 'Rate exceeded' },
    handle(operation, request) {
      const form = protocol.params(request);
      if (operation === 'Publish') {
        const message: PublishedMessage = { ...decode(form, ''), MessageId: randomUUID(), operation };
        published.push(message);
        return protocol.result(operation, `<MessageId>${message.MessageId}</MessageId>`);
      }
      if (operation === 'PublishBatch') {
        const entries: PublishedMessage[] = [];
        for (let index = 1; form.has(`PublishBatchRequestEntries.member.${index}.Id`); index++) {
          const prefix = `PublishBatchRequestEntries.member.${index}.`;
          entries.push({
            ...decode(form, prefix),
            MessageId: randomUUID(),
            operation,
            batchEntryId: form.get(`${prefix}Id`) as string,
          });
        }
        checkBatch(entries);
        published.push(...entries);
        const members = entries
          .map(
            (entry) =>
              `<member><Id>${escapeXml(entry.batchEntryId ?? '')}</Id><MessageId>${entry.MessageId}</MessageId></member>`,
          )
          .join('');
        return protocol.result(operation, `<Successful>${members}</Successful><Failed/>`);
      }
      if (operation === 'ListSubscriptionsByTopic') {
        const topicArn = form.get('TopicArn') ?? '';
        const members = subscriptions
          .filter((subscription) => subscription.topicArn === topicArn)
          .map(subscriptionMemberXml)
          .join('');
        return protocol.result(operation, `<Subscriptions>${members}</Subscriptions>`);
      }
      if (operation === 'GetSubscriptionAttributes') {
        const arn = form.get('SubscriptionArn') ?? '';
        const subscription = subscriptions.find((candidate) => candidate.subscriptionArn === arn);
        if (subscription === undefined || !subscription.confirmed) {
          throw new AwsStandInError({
            status: 404,
            code: 'NotFound',
            message: 'Subscription does not exist',
          });
        }
        return protocol.result(operation, `<Attributes>${attributesXml(subscription)}</Attributes>`);
      }
      throw new AwsStandInError({
        status: 400,
        code: 'InvalidAction',
        message: `${operation} is not served here`,
      });
    },
  });
  return Object.assign(standIn, {
    published,
    addSubscription(
      subscription: Pick<StoredSubscription, 'topicArn' | 'protocol' | 'endpoint'> & {
        readonly confirmed?: boolean;
      },
    ): StoredSubscription {
      const stored = {
        ...subscription,
        confirmed: subscription.confirmed ?? true,
        subscriptionArn: `${subscription.topicArn}:${randomUUID()}`,
      };
      subscriptions.push(stored);
      return stored;
    },
  });
}

/** A `ListSubscriptionsByTopic` member: an unconfirmed one has the ARN `PendingConfirmation`, as in SNS. */
function subscriptionMemberXml(subscription: StoredSubscription): string {
  const arn = subscription.confirmed ? subscription.subscriptionArn : 'PendingConfirmation';
  return (
    `<member><TopicArn>${escapeXml(subscription.topicArn)}</TopicArn><Protocol>${escapeXml(subscription.protocol)}</Protocol>` +
    `<SubscriptionArn>${escapeXml(arn)}</SubscriptionArn><Owner>123456789012</Owner>` +
    `<Endpoint>${escapeXml(subscription.endpoint)}</Endpoint></member>`
  );
}

function attributesXml(subscription: StoredSubscription): string {
  const attributes = {
    SubscriptionArn: subscription.subscriptionArn,
    TopicArn: subscription.topicArn,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    PendingConfirmation: String(!subscription.confirmed),
    ConfirmationWasAuthenticated: 'true',
  };
  return Object.entries(attributes)
    .map(([key, value]) => `<entry><key>${key}</key><value>${escapeXml(value)}</value></entry>`)
    .join('');
}

function optional<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: string };
}

function invalid(message: string): AwsStandInError {
  return new AwsStandInError({
    status: 400,
    code: 'InvalidParameter',
    message: `Invalid parameter: ${message}`,
  });
}

function check(
  message: Omit<PublishedMessage, 'MessageId' | 'operation'>,
  topicArns?: readonly string[],
): void {
  const target = message.TopicArn ?? message.TargetArn;
  if (target === undefined) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (topicArns !== undefined && !topicArns.includes(target)) {
    throw new AwsStandInError({ status: 404, code: 'NotFound', message: 'Topic does not exist' });
  }
  if (message.Message === '') throw invalid('Empty message');
  if (target.endsWith('.fifo') && message.MessageGroupId === undefined) {
    throw invalid('The MessageGroupId parameter is required for FIFO topics');
  }
  if (Buffer.byteLength(message.Message) > MAX_MESSAGE_BYTES) throw invalid('Message too long');
  if (message.MessageStructure !== undefined) {
    if (message.MessageStructure !== 'json') throw invalid('MessageStructure');
    let structured: unknown;
    try {
      structured = JSON.parse(message.Message);
    } catch {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    if (typeof (structured as { default?: unknown } | null)?.default !== 'string') {
      throw invalid('Message Structure - No default entry in JSON message body');
    }
  }
  if (
    message.Subject !== undefined &&
    (message.Subject.length > MAX_SUBJECT_CHARS || /[\r\n]/.test(message.Subject))
  ) {
    throw invalid('Subject');
  }
  const attributes = Object.entries(message.MessageAttributes);
  if (attributes.length > MAX_ATTRIBUTES) {
    throw invalid(
      `MessageAttributes - Number of message attributes [${attributes.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  for (const [name, value] of attributes) {
    if (value.StringValue === '' || (value.StringValue === undefined && value.BinaryValue === undefined)) {
      throw new AwsStandInError({
        status: 400,
        code: 'ParameterValueInvalid',
        message: `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${value.DataType}'.`,
      });
    }
  }
}

function checkBatch(entries: readonly PublishedMessage[]): void {
  if (entries.length === 0) {
    throw new AwsStandInError({
      status: 400,
      code: 'EmptyBatchRequest',
      message: 'The batch request does not contain any entries.',
    });
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new AwsStandInError({
      status: 400,
      code: 'TooManyEntriesInBatchRequest',
      message: 'The batch request contains more entries than permissible.',
    });
  }
  if (new Set(entries.map((entry) => entry.batchEntryId)).size !== entries.length) {
    throw new AwsStandInError({
      status: 400,
      code: 'BatchEntryIdsNotDistinct',
      message: 'Two or more batch entries in the request have the same Id.',
    });
  }
}
