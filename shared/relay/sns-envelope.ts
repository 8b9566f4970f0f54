import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * The SNS message types: a Lambda subscriber only ever sees `Notification`; an HTTPS subscriber
 * also gets the two confirmations, which carry a token instead of a message.
 */
export const SnsMessageType = {
  Notification: 'Notification',
  SubscriptionConfirmation: 'SubscriptionConfirmation',
  UnsubscribeConfirmation: 'UnsubscribeConfirmation',
} as const;
export type SnsMessageType = (typeof SnsMessageType)[keyof typeof SnsMessageType];

/** What the relay takes from an SNS envelope. */
export type SnsMessage =
  | {
      readonly type: typeof SnsMessageType.Notification;
      readonly messageId: string;
      readonly topicArn: string;
      /** With `MessageStructure: json`, the `lambda`/`https` member, else `default`: the event JSON. */
      readonly message: string;
    }
  | {
      /** Never acted on: the relay does not confirm or unsubscribe anything by itself. */
      readonly type:
        | typeof SnsMessageType.SubscriptionConfirmation
        | typeof SnsMessageType.UnsubscribeConfirmation;
      readonly messageId: string;
      readonly topicArn: string;
    };

/** The input is not an SNS envelope (or not one the relay knows); the message says what is wrong. */
export class SnsEnvelopeError extends Error {
  override readonly name = 'SnsEnvelopeError';
}

// Field names are those of both the HTTP body and a Lambda record's `Sns` object.
const envelopeSchema = z.looseObject({
  Type: z.string(),
  MessageId: z.string().check(z.minLength(1)),
  TopicArn: z.string().check(z.minLength(1)),
  Message: z.optional(z.string()),
});

const lambdaEventSchema = z.looseObject({
  Records: z
    .array(z.looseObject({ EventSource: z.optional(z.string()), Sns: z.unknown() }))
    .check(z.minLength(1, 'must hold at least one record')),
});

/** English messages, as classic zod gives them (`zod/mini` loads no locale); passed per parse. */
const ENGLISH = { error: en().localeError };

/**
 * Reads one SNS envelope: the body of an SNS HTTPS delivery, or the `Sns` object of a Lambda record.
 *
 * Confirmation types are returned without their token or `SubscribeURL`: the relay never fetches
 * that URL (an attacker could post a confirmation naming any URL), so an HTTPS subscription is
 * confirmed by an operator, and a Lambda subscription needs no confirmation. The SNS signature is
 * not checked here: behind a Lambda subscription, IAM already authenticates SNS.
 */
export function parseSnsEnvelope(value: unknown): SnsMessage {
  const parsed = envelopeSchema.safeParse(value, ENGLISH);
  if (!parsed.success) {
    throw new SnsEnvelopeError(
      `not an SNS envelope: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
  }
  const { Type: type, MessageId: messageId, TopicArn: topicArn, Message: message } = parsed.data;
  if (type === SnsMessageType.Notification) {
    if (message === undefined) throw new SnsEnvelopeError(`SNS notification ${messageId} has no Message`);
    return { type, messageId, topicArn, message };
  }
  if (type === SnsMessageType.SubscriptionConfirmation || type === SnsMessageType.UnsubscribeConfirmation) {
    return { type, messageId, topicArn };
  }
  throw new SnsEnvelopeError(`SNS message ${messageId} has the unknown Type "${type.slice(0, 64)}"`);
}

/** The envelopes of a Lambda `SNSEvent`, in order (SNS sends one record per invocation today). */
export function snsEventMessages(event: unknown): SnsMessage[] {
  const parsed = lambdaEventSchema.safeParse(event, ENGLISH);
  if (!parsed.success) {
    throw new SnsEnvelopeError(
      'not an SNS event: expected {"Records": [{"EventSource": "aws:sns", "Sns": {...}}]}',
    );
  }
  return parsed.data.Records.map((record, index) => {
    if (record.EventSource !== undefined && record.EventSource !== 'aws:sns') {
      throw new SnsEnvelopeError(
        `record ${index} comes from ${record.EventSource.slice(0, 64)}, not aws:sns`,
      );
    }
    return parseSnsEnvelope(record.Sns);
  });
}
