import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DUMMY_AWS_ENV } from './index';
import { type SqsStandIn, startSqsStandIn } from './sqs';

let sqs: SqsStandIn;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startSqsStandIn({ queues: ['sub-ticks', 'fan-out.fifo'] });
});
afterAll(() => sqs.close());
beforeEach(() => {
  for (const [name, value] of Object.entries({ ...DUMMY_AWS_ENV, ...sqs.endpointEnv }))
    vi.stubEnv(name, value);
  client = new SQSClient({});
});
afterEach(() => {
  client.destroy();
  vi.unstubAllEnvs();
});

describe('startSqsStandIn', () => {
  it('answers GetQueueAttributes with the messages sent to that queue as its depth', async () => {
    const depth = async (name: string) =>
      (
        await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: sqs.queueUrl(name),
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes;
    const before = Number((await depth('sub-ticks'))?.ApproximateNumberOfMessages);
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('sub-ticks'), MessageBody: 'b' }));
    expect(await depth('sub-ticks')).toEqual({
      ApproximateNumberOfMessages: String(before + 1),
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect((await depth('fan-out.fifo'))?.ApproximateNumberOfMessages).toBe('0');
  });

  it('records a delayed SendMessage with its attributes and answers the MD5 the SDK checks', async () => {
    const queueUrl = sqs.queueUrl('sub-ticks');
    const output = await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"target":"ap-southeast-1/p1"}',
        DelaySeconds: 15,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'sub-tick' },
          raw: { DataType: 'Binary', BinaryValue: Uint8Array.from([7]) },
        },
      }),
    );
    expect(sqs.sent.at(-1)).toEqual({
      MessageId: output.MessageId,
      QueueUrl: queueUrl,
      queueName: 'sub-ticks',
      MessageBody: '{"target":"ap-southeast-1/p1"}',
      DelaySeconds: 15,
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'sub-tick' },
        raw: { DataType: 'Binary', BinaryValue: Buffer.from([7]) },
      },
    });
    expect(output.MD5OfMessageBody).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['an unknown queue', { QueueUrl: 'nope', MessageBody: 'x' }, 'QueueDoesNotExist'],
    [
      'a delay over 15 minutes',
      { QueueUrl: 'sub-ticks', MessageBody: 'x', DelaySeconds: 901 },
      'InvalidParameterValue',
    ],
    [
      'a per-message delay on a FIFO queue',
      { QueueUrl: 'fan-out.fifo', MessageBody: 'x', DelaySeconds: 5, MessageGroupId: 'g' },
      'InvalidParameterValue',
    ],
    ['a FIFO message without a group', { QueueUrl: 'fan-out.fifo', MessageBody: 'x' }, 'MissingParameter'],
  ])('refuses %s with the error SQS gives', async (_case, input, name) => {
    const before = sqs.sent.length;
    await expect(
      client.send(new SendMessageCommand({ ...input, QueueUrl: sqs.queueUrl(input.QueueUrl) })),
    ).rejects.toMatchObject({ name });
    expect(sqs.sent.length).toBe(before);
  });

  it('records each entry of a SendMessageBatch with its own delay as one request, and reports a refused entry in Failed', async () => {
    const before = { sent: sqs.sent.length, operations: sqs.operations.length };
    const output = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.queueUrl('sub-ticks'),
        Entries: [
          { Id: 'd15', MessageBody: 'tick', DelaySeconds: 15 },
          { Id: 'd30', MessageBody: 'tick', DelaySeconds: 30 },
          { Id: 'd901', MessageBody: 'tick', DelaySeconds: 901 },
        ],
      }),
    );
    expect(sqs.operations.slice(before.operations)).toEqual(['SendMessageBatch']);
    expect(sqs.sent.slice(before.sent).map((message) => message.DelaySeconds)).toEqual([15, 30]);
    expect(output.Successful?.map((entry) => entry.Id)).toEqual(['d15', 'd30']);
    expect(output.Failed).toEqual([expect.objectContaining({ Id: 'd901', Code: 'InvalidParameterValue' })]);
  });

  it.each([
    ['server', 'InternalFailure'],
    ['throttle', 'RequestThrottled'],
  ] as const)('fails the next request on demand (%s)', async (failure, name) => {
    const once = new SQSClient({ maxAttempts: 1 });
    sqs.failNext(1, failure);
    await expect(
      once.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('sub-ticks'), MessageBody: 'x' })),
    ).rejects.toMatchObject({ name });
    once.destroy();
  });
});
