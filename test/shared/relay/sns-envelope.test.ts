import { describe, expect, it } from 'vitest';
import { parseSnsEnvelope, SnsEnvelopeError, snsEventMessages } from '../../../shared/relay/sns-envelope';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:geminidb-job-events';

/** The body of an SNS HTTPS delivery, as SNS documents it. */
function httpBody(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: type,
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: TOPIC_ARN,
    Timestamp: '2026-11-30T01:02:03.000Z',
    SignatureVersion: '2',
    Signature: 'EXAMPLEpH+...',
    SigningCertURL:
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
    ...extra,
  };
}

/** A Lambda record's `Sns` object: the same fields, `Url` spelled differently, message attributes typed. */
function lambdaRecord(message: string): Record<string, unknown> {
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: `${TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
    Sns: {
      Type: 'Notification',
      MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      TopicArn: TOPIC_ARN,
      Subject: '[GeminiDB] BackupInstance on nosql-12f5 failed',
      Message: message,
      Timestamp: '2026-11-30T01:02:03.000Z',
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService.pem',
      UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
      MessageAttributes: { type: { Type: 'String', Value: 'com.huaweicloud.geminidb.job.failed' } },
    },
  };
}

describe('parseSnsEnvelope', () => {
  it('takes the message of a notification', () => {
    expect(parseSnsEnvelope(httpBody('Notification', { Message: '{"id":"e1"}', Subject: 's' }))).toEqual({
      type: 'Notification',
      messageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
      topicArn: TOPIC_ARN,
      message: '{"id":"e1"}',
    });
  });

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'])(
    'returns a %s without its token or URL, so nothing can act on them',
    (type) => {
      const parsed = parseSnsEnvelope(
        httpBody(type, {
          Message: 'You have chosen to subscribe to the topic ...',
          Token: '2336412f37fb687f5d51e6e2425dacbba',
          SubscribeURL:
            'https://attacker.example/?Action=ConfirmSubscription&Token=2336412f37fb687f5d51e6e2425dacbba',
        }),
      );
      expect(parsed).toEqual({
        type,
        messageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
        topicArn: TOPIC_ARN,
      });
      expect(JSON.stringify(parsed)).not.toMatch(/Token|attacker/);
    },
  );

  it.each<[string, unknown, RegExp]>([
    ['a notification without a message', httpBody('Notification'), /has no Message/],
    ['an unknown type', httpBody('Telegram', { Message: 'x' }), /unknown Type "Telegram"/],
    ['a body without a message id', { Type: 'Notification', TopicArn: TOPIC_ARN, Message: 'x' }, /MessageId/],
    ['a string', 'Notification', /not an SNS envelope/],
    ['null', null, /not an SNS envelope/],
  ])('refuses %s', (_case, value, message) => {
    expect(() => parseSnsEnvelope(value)).toThrow(SnsEnvelopeError);
    expect(() => parseSnsEnvelope(value)).toThrow(message);
  });
});

describe('snsEventMessages', () => {
  it('reads every record of a Lambda SNS event, in order', () => {
    const messages = snsEventMessages({ Records: [lambdaRecord('{"id":"a"}'), lambdaRecord('{"id":"b"}')] });
    expect(messages.map((message) => (message.type === 'Notification' ? message.message : null))).toEqual([
      '{"id":"a"}',
      '{"id":"b"}',
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['no records', { Records: [] }, /not an SNS event/],
    ['a scheduled event', { source: 'aws.scheduler', detail: {} }, /not an SNS event/],
    [
      'an SQS record',
      { Records: [{ ...lambdaRecord('x'), EventSource: 'aws:sqs' }] },
      /record 0 comes from aws:sqs/,
    ],
  ])('refuses %s', (_case, event, message) => {
    expect(() => snsEventMessages(event)).toThrow(message);
  });
});
