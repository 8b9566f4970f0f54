import { describe, expect, it } from 'vitest';
import {
  type JobEvent,
  type JobEventEnvelope,
  JobEventParseError,
  parseJobEvent,
  parseJobEvents,
} from '../../../shared/consumer/index';
import { sampleEvent } from '../publish/fixtures';
import { DOCUMENTED_EVENTBRIDGE_EVENT, eventBridgeEvent } from './fixtures/eventbridge-event';
import { DOCUMENTED_LAMBDA_SNS_EVENT, lambdaSnsEvent, lambdaSnsRecord } from './fixtures/lambda-sns-event';
import { DOCUMENTED_LAMBDA_SQS_EVENT, lambdaSqsEvent, sqsRecord } from './fixtures/lambda-sqs-event';
import { DOCUMENTED_SNS_HTTP_NOTIFICATION, snsHttpNotificationBody } from './fixtures/sns-http-notification';
import { DOCUMENTED_SNS_SUBSCRIPTION_CONFIRMATION } from './fixtures/sns-http-subscription-confirmation';
import { DOCUMENTED_SNS_UNSUBSCRIBE_CONFIRMATION } from './fixtures/sns-http-unsubscribe-confirmation';
import {
  DOCUMENTED_SQS_BODY_RAW_DELIVERY_DISABLED,
  DOCUMENTED_SQS_BODY_RAW_DELIVERY_ENABLED,
  sqsBodyWithoutRawDelivery,
} from './fixtures/sns-raw-message-delivery';

const EVENT = sampleEvent('failed');
const JSON_TEXT = JSON.stringify(EVENT);
const SQS_ID = DOCUMENTED_LAMBDA_SQS_EVENT.Records[0].messageId;
const SNS_HTTP_ID = DOCUMENTED_SNS_HTTP_NOTIFICATION.MessageId;
const SNS_LAMBDA_ID = DOCUMENTED_LAMBDA_SNS_EVENT.Records[0].Sns.MessageId;
const SNS_SQS_ID = DOCUMENTED_SQS_BODY_RAW_DELIVERY_DISABLED.MessageId;
const EB_ID = DOCUMENTED_EVENTBRIDGE_EVENT.id;

/** A copy of the sample event with one field of `data.job` (or of the event) replaced. */
function withJob(job: Record<string, unknown>, top: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...EVENT, ...top, data: { ...EVENT.data, job: { ...EVENT.data.job, ...job } } };
}

/** The error `parseJobEvent` throws for `input` (fails the test when it does not throw one). */
function parseError(input: unknown): JobEventParseError {
  try {
    parseJobEvent(input);
  } catch (error) {
    expect(error).toBeInstanceOf(JobEventParseError);
    return error as JobEventParseError;
  }
  throw new Error('parseJobEvent accepted the input');
}

describe('parseJobEvent', () => {
  it.each<[string, unknown]>([
    ['the CloudEvent JSON (a signed webhook body)', JSON_TEXT],
    ['the CloudEvent, parsed', EVENT],
    ['the CloudEvent as received bytes', new TextEncoder().encode(JSON_TEXT)],
    ['an SNS HTTPS POST body', snsHttpNotificationBody(JSON_TEXT)],
    ['an SNS HTTPS POST body, parsed', JSON.parse(snsHttpNotificationBody(JSON_TEXT))],
    ['a Lambda SNS record', lambdaSnsRecord(JSON_TEXT)],
    ['a Lambda SNS event of one record', lambdaSnsEvent(JSON_TEXT)],
    ['an SQS record with raw message delivery', sqsRecord(JSON_TEXT)],
    ['an SQS record without raw message delivery', sqsRecord(sqsBodyWithoutRawDelivery(JSON_TEXT))],
    ['a Lambda SQS event of one record', lambdaSqsEvent(JSON_TEXT)],
    ['an EventBridge event', eventBridgeEvent(EVENT)],
    ['an SQS record from an EventBridge rule', sqsRecord(JSON.stringify(eventBridgeEvent(EVENT)))],
  ])('takes the event out of %s', (_envelope, input) => {
    expect(parseJobEvent(input)).toEqual(EVENT);
  });

  it('keeps CloudEvents extension attributes and fields of later versions', () => {
    const extended = { ...sampleEvent('completed'), test: true, traceparent: '00-abc-def-01' };
    const parsed = parseJobEvent(sqsRecord(sqsBodyWithoutRawDelivery(JSON.stringify(extended))));
    expect(parsed).toEqual(extended);
  });

  it.each<[string, unknown, JobEventEnvelope, string | RegExp]>([
    [
      'an SNS HTTPS body of the documented Hello world! message',
      DOCUMENTED_SNS_HTTP_NOTIFICATION,
      'sns-notification',
      new RegExp(`^SNS notification ${SNS_HTTP_ID}: Message: is not JSON \\(Unexpected token .*Hello world!`),
    ],
    [
      'the documented SubscriptionConfirmation',
      JSON.stringify(DOCUMENTED_SNS_SUBSCRIPTION_CONFIRMATION),
      'sns-subscription-confirmation',
      'SNS SubscriptionConfirmation 165545c9-2a5c-472c-8df2-7ff2be2b3b1b on arn:aws:sns:us-west-2:123456789012:MyTopic: ' +
        'not an event but a subscription to confirm: after checking the SNS signature, fetch its SubscribeURL, ' +
        'or run aws sns confirm-subscription with its TopicArn and Token',
    ],
    [
      'the documented UnsubscribeConfirmation',
      DOCUMENTED_SNS_UNSUBSCRIBE_CONFIRMATION,
      'sns-unsubscribe-confirmation',
      'SNS UnsubscribeConfirmation 47138184-6831-46b8-8f7c-afc488602d7d on arn:aws:sns:us-west-2:123456789012:MyTopic: ' +
        'not an event: this endpoint was unsubscribed from the topic (its SubscribeURL subscribes it again)',
    ],
    [
      'an SNS message of an unknown type',
      { ...DOCUMENTED_SNS_HTTP_NOTIFICATION, Type: 'Bulletin' },
      'sns-notification',
      `SNS notification ${SNS_HTTP_ID}: Type: expected "Notification", "SubscriptionConfirmation" or "UnsubscribeConfirmation", got "Bulletin"`,
    ],
    [
      'the documented Lambda SNS event (Hello from SNS!)',
      DOCUMENTED_LAMBDA_SNS_EVENT,
      'lambda-sns-event',
      new RegExp(
        `^Lambda SNS event > Records\\[0\\]: Lambda SNS record > Sns: SNS notification ${SNS_LAMBDA_ID}: Message: is not JSON \\(`,
      ),
    ],
    [
      'the documented Lambda SQS event of two records',
      DOCUMENTED_LAMBDA_SQS_EVENT,
      'lambda-sqs-event',
      'Lambda SQS event: Records: holds 2 records: call parseJobEvents(event), or parseJobEvent(record) for each record',
    ],
    [
      'a documented SQS record (body "test")',
      DOCUMENTED_LAMBDA_SQS_EVENT.Records[0],
      'sqs-record',
      new RegExp(`^SQS record ${SQS_ID}: body: is not JSON \\(`),
    ],
    [
      'the documented raw-delivery body ("This is a test message.")',
      sqsRecord(DOCUMENTED_SQS_BODY_RAW_DELIVERY_ENABLED),
      'sqs-record',
      new RegExp(`^SQS record ${SQS_ID}: body: is not JSON \\(`),
    ],
    [
      'the documented SNS envelope body without raw delivery',
      sqsRecord(JSON.stringify(DOCUMENTED_SQS_BODY_RAW_DELIVERY_DISABLED)),
      'sqs-record',
      new RegExp(`^SQS record ${SQS_ID} > body: SNS notification ${SNS_SQS_ID}: Message: is not JSON \\(`),
    ],
    [
      'an SQS record whose body is some other JSON',
      sqsRecord('{"orderId": 42}'),
      'sqs-record',
      `SQS record ${SQS_ID}: body: expected a CloudEvent (raw message delivery), an SNS notification or an EventBridge event; got an object with the keys orderId`,
    ],
    [
      'the documented EventBridge event (EC2)',
      DOCUMENTED_EVENTBRIDGE_EVENT,
      'eventbridge',
      `EventBridge event ${EB_ID}: source: expected "geminidb-job-watcher", got "aws.ec2"`,
    ],
    [
      'an EventBridge event whose detail-type is not the event type',
      { ...eventBridgeEvent(EVENT), 'detail-type': 'com.huaweicloud.geminidb.job.completed' },
      'eventbridge',
      `EventBridge event ${EB_ID}: detail-type: expected the event's type "com.huaweicloud.geminidb.job.failed", got "com.huaweicloud.geminidb.job.completed"`,
    ],
    [
      'an EventBridge event without detail',
      { ...eventBridgeEvent(EVENT), detail: undefined },
      'eventbridge',
      `EventBridge event ${EB_ID}: detail: expected a JSON object, got nothing (the field is missing)`,
    ],
    [
      'a failed event whose job is not Failed, in an SQS body without raw delivery',
      sqsRecord(sqsBodyWithoutRawDelivery(JSON.stringify(withJob({ status: 'Completed' })))),
      'sqs-record',
      `SQS record ${SQS_ID} > body: SNS notification ${SNS_SQS_ID} > Message: CloudEvent ${EVENT.id}: ` +
        'data.job.status: must be "Failed" for a com.huaweicloud.geminidb.job.failed event, got "Completed"',
    ],
    [
      'a progress over 100, in an SNS HTTPS body',
      snsHttpNotificationBody(JSON.stringify(withJob({ progress: 120 }))),
      'sns-notification',
      `SNS notification ${SNS_HTTP_ID} > Message: CloudEvent ${EVENT.id}: data.job.progress: Too big: expected number to be <=100`,
    ],
    [
      'a missing fail_reason, in an EventBridge event',
      { ...eventBridgeEvent(EVENT), detail: withJob({ fail_reason: undefined }) },
      'eventbridge',
      `EventBridge event ${EB_ID} > detail: CloudEvent ${EVENT.id}: data.job.fail_reason: Invalid input: expected string, received undefined`,
    ],
    [
      'a time that is no date-time and an empty subject, raw',
      JSON.stringify({ ...EVENT, time: 'yesterday', subject: '' }),
      'cloudevent',
      `CloudEvent ${EVENT.id}: subject: must not be empty; time: must be an ISO 8601 date-time`,
    ],
    [
      'a CloudEvent of another type and source',
      { ...EVENT, type: 'com.example.order.created', source: 'shop/orders' },
      'cloudevent',
      `CloudEvent ${EVENT.id}: source: must be geminidb-job-watcher/<region>/<project_id>; type: must be one of ` +
        'com.huaweicloud.geminidb.job.started, com.huaweicloud.geminidb.job.progressed, com.huaweicloud.geminidb.job.completed, ' +
        'com.huaweicloud.geminidb.job.failed, com.huaweicloud.geminidb.job.status_changed, com.huaweicloud.geminidb.job.stalled',
    ],
    [
      'a fractional duration in a Lambda SNS record',
      lambdaSnsRecord(JSON.stringify({ ...EVENT, data: { ...EVENT.data, duration_seconds: 1.5 } })),
      'lambda-sns-record',
      `Lambda SNS record > Sns: SNS notification ${SNS_LAMBDA_ID} > Message: CloudEvent ${EVENT.id}: ` +
        'data.duration_seconds: Invalid input: expected int, received number',
    ],
    [
      'an object of no known shape',
      { hello: 'world', n: 1 },
      'unknown',
      'input: not an envelope the consumer kit knows: expected a CloudEvent (specversion, type, data), an SNS message ' +
        '(Type, MessageId, Message), a Lambda SNS or SQS record or event (Sns, body, Records) or an EventBridge event ' +
        '(source, detail-type, detail); got an object with the keys hello, n',
    ],
    ['text that is not JSON', 'hello', 'unknown', /^input: is not JSON \(Unexpected token/],
    ['a JSON array', '[1, 2]', 'unknown', 'input: expected a JSON object, got an array'],
    ['nothing', undefined, 'unknown', 'input: expected a JSON object, got nothing (the field is missing)'],
    ['a Lambda event without records', { Records: [] }, 'unknown', 'Lambda event: Records: is empty'],
    [
      'a Lambda event of another source',
      { Records: [{ eventSource: 'aws:s3', s3: {} }] },
      'unknown',
      'Lambda event: Records[0]: is neither an SNS record (Sns) nor an SQS record (body)',
    ],
  ])('refuses %s, naming the envelope and the field', (_input, input, envelope, message) => {
    const error = parseError(input);
    expect(error.envelope).toBe(envelope);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('lists every envelope it opened, outermost first', () => {
    const error = parseError(lambdaSqsEvent(sqsBodyWithoutRawDelivery(JSON.stringify(withJob({ id: '' })))));
    expect(error.envelopes).toEqual(['lambda-sqs-event', 'sqs-record', 'sns-notification', 'cloudevent']);
    expect(error.message).toMatch(
      /^Lambda SQS event > Records\[0\]: SQS record .* data\.job\.id: must not be empty$/,
    );
  });

  it('keeps the JSON error as the cause', () => {
    expect(parseError(sqsRecord('{')).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('parseJobEvents', () => {
  const events: JobEvent[] = [sampleEvent('started'), sampleEvent('completed'), sampleEvent('failed')];

  it.each<[string, unknown]>([
    ['a Lambda SQS event with raw delivery', lambdaSqsEvent(...events.map((event) => JSON.stringify(event)))],
    [
      'a Lambda SQS event without raw delivery',
      lambdaSqsEvent(...events.map((event) => sqsBodyWithoutRawDelivery(JSON.stringify(event)))),
    ],
    ['a Lambda SNS event', lambdaSnsEvent(...events.map((event) => JSON.stringify(event)))],
  ])('gives one event per record of %s, in order', (_input, input) => {
    expect(parseJobEvents(input)).toEqual(events);
  });

  it('gives a list of one for any other envelope', () => {
    expect(parseJobEvents(snsHttpNotificationBody(JSON_TEXT))).toEqual([EVENT]);
  });

  it('throws for the first record that holds no event, naming it', () => {
    const input = lambdaSqsEvent(JSON_TEXT, JSON.stringify(withJob({ status: 'Running' })), 'nope');
    expect(() => parseJobEvents(input)).toThrow(
      `Lambda SQS event > Records[1]: SQS record ${DOCUMENTED_LAMBDA_SQS_EVENT.Records[1].messageId} > body: ` +
        `CloudEvent ${EVENT.id}: data.job.status: must be "Failed" for a com.huaweicloud.geminidb.job.failed event, got "Running"`,
    );
  });
});
