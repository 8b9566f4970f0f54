import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DUMMY_AWS_ENV } from './index';
import { deliveredMessage, type SnsStandIn, startSnsStandIn } from './sns';

const TOPIC = 'arn:aws:sns:ap-southeast-1:123456789012:jobs';
const FIFO_TOPIC = `${TOPIC}.fifo`;
let sns: SnsStandIn;
let client: SNSClient;

beforeAll(async () => {
  sns = await startSnsStandIn({ topicArns: [TOPIC, FIFO_TOPIC] });
});
afterAll(() => sns.close());
beforeEach(() => {
  for (const [name, value] of Object.entries({ ...DUMMY_AWS_ENV, ...sns.endpointEnv }))
    vi.stubEnv(name, value);
  // As the watcher creates it: no endpoint, region or credentials in code.
  client = new SNSClient({});
});
afterEach(() => {
  client.destroy();
  vi.unstubAllEnvs();
});

describe('startSnsStandIn', () => {
  it('lists the subscriptions of a topic, an unconfirmed one as PendingConfirmation, and describes a confirmed one', async () => {
    const confirmed = sns.addSubscription({
      topicArn: TOPIC,
      protocol: 'https',
      endpoint: 'https://hooks.example.com',
    });
    sns.addSubscription({
      topicArn: TOPIC,
      protocol: 'email',
      endpoint: 'dba@example.com',
      confirmed: false,
    });
    sns.addSubscription({
      topicArn: FIFO_TOPIC,
      protocol: 'sqs',
      endpoint: 'arn:aws:sqs:ap-southeast-1:123456789012:q',
    });

    const listed = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }));
    expect(listed.Subscriptions?.map((s) => [s.Protocol, s.Endpoint, s.SubscriptionArn])).toEqual([
      ['https', 'https://hooks.example.com', confirmed.subscriptionArn],
      ['email', 'dba@example.com', 'PendingConfirmation'],
    ]);
    const described = await client.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: confirmed.subscriptionArn }),
    );
    expect(described.Attributes).toMatchObject({
      PendingConfirmation: 'false',
      Protocol: 'https',
      TopicArn: TOPIC,
    });
  });

  it('records a Publish sent by a default SNSClient through AWS_ENDPOINT_URL_SNS and answers its MessageId', async () => {
    const before = sns.published.length;
    const output = await client.send(
      new PublishCommand({
        TopicArn: TOPIC,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: '{"id":"e-1"}', email: 'Backup done' }),
        Subject: '[GeminiDB] backup done',
        MessageAttributes: {
          type: { DataType: 'String', StringValue: 'com.huaweicloud.geminidb.job.completed' },
          'needs & escaping': { DataType: 'String', StringValue: 'a <b> "c"' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
        },
      }),
    );
    const message = sns.published[before];
    expect(output.MessageId).toBe(message?.MessageId);
    expect(message).toMatchObject({
      operation: 'Publish',
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: '[GeminiDB] backup done',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'com.huaweicloud.geminidb.job.completed' },
        'needs & escaping': { DataType: 'String', StringValue: 'a <b> "c"' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
      },
    });
    expect(deliveredMessage(message as never)).toBe('{"id":"e-1"}');
    expect(deliveredMessage(message as never, 'email')).toBe('Backup done');
    expect(sns.calls.at(-1)).toMatchObject({ operation: 'Publish', status: 200, signed: true });
  });

  it('records each entry of a PublishBatch with its entry id', async () => {
    const before = sns.published.length;
    const output = await client.send(
      new PublishBatchCommand({
        TopicArn: TOPIC,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'first', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'b', Message: 'second', Subject: 'two' },
        ],
      }),
    );
    const entries = sns.published.slice(before);
    expect(
      entries.map(({ batchEntryId, Message, TopicArn }) => ({ batchEntryId, Message, TopicArn })),
    ).toEqual([
      { batchEntryId: 'a', Message: 'first', TopicArn: TOPIC },
      { batchEntryId: 'b', Message: 'second', TopicArn: TOPIC },
    ]);
    expect(entries[0]?.MessageAttributes).toEqual({ k: { DataType: 'String', StringValue: 'v' } });
    expect(output.Successful).toEqual(
      entries.map((entry) => ({ Id: entry.batchEntryId, MessageId: entry.MessageId })),
    );
    expect(output.Failed ?? []).toEqual([]);
  });

  it.each([
    [
      'a JSON structure without default',
      { TopicArn: TOPIC, MessageStructure: 'json', Message: '{"email":"x"}' },
      'InvalidParameterException',
      /No default entry/,
    ],
    [
      'an unknown topic',
      { TopicArn: `${TOPIC}-other`, Message: 'x' },
      'NotFoundException',
      /Topic does not exist/,
    ],
    [
      'an empty attribute value',
      { TopicArn: TOPIC, Message: 'x', MessageAttributes: { k: { DataType: 'String', StringValue: '' } } },
      'InvalidParameterValueException',
      /non-empty/,
    ],
    [
      'a subject with a line break',
      { TopicArn: TOPIC, Message: 'x', Subject: 'a\nb' },
      'InvalidParameterException',
      /Subject/,
    ],
    [
      'a FIFO message without a group id',
      { TopicArn: FIFO_TOPIC, Message: 'x' },
      'InvalidParameterException',
      /MessageGroupId/,
    ],
  ])('refuses %s as SNS does, recording nothing', async (_case, input, name, message) => {
    const before = sns.published.length;
    await expect(client.send(new PublishCommand(input))).rejects.toMatchObject({
      name,
      message: expect.stringMatching(message),
    });
    expect(sns.published.length).toBe(before);
  });

  it('answers the next N requests with HTTP 500, which the SDK retries', async () => {
    const before = sns.calls.length;
    sns.failNext(1);
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'after a retry' }));
    expect(sns.calls.slice(before).map((call) => [call.status, call.injected])).toEqual([
      [500, 'server'],
      [200, undefined],
    ]);
    expect(sns.published.at(-1)?.Message).toBe('after a retry');
  });

  it('throttles with the error the SDK names ThrottledException (HTTP 429)', async () => {
    const once = new SNSClient({ maxAttempts: 1 });
    sns.failNext(1, 'throttle');
    await expect(once.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({
      name: 'ThrottledException',
      $metadata: { httpStatusCode: 429 },
    });
    once.destroy();
  });

  it('refuses a request without a SigV4 signature', async () => {
    const response = await fetch(sns.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: TOPIC, Message: 'x' }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(sns.calls.at(-1)).toMatchObject({ signed: false, status: 403 });
  });
});
