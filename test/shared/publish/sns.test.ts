import { createServer } from 'node:net';
import { PublishCommand, SNSClient, SNSServiceException, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PublishError, PublishNetworkError, PublishThrottledError } from '../../../shared/publish/errors';
import { emailText, SNS_SUBJECT_MAX_CHARS } from '../../../shared/publish/format';
import { DEADLINE_REASON } from '../../../shared/publish/publisher';
import { createSnsPublisher } from '../../../shared/publish/sns';
import { assertValidEvent } from '../../support/event-schema';
import { sampleEvent } from './fixtures';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:geminidb-jobs';
const FIFO_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:geminidb-jobs.fifo';

const client = new SNSClient({ region: 'eu-west-1' });
const snsMock = mockClient(client);

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

afterEach(() => {
  snsMock.reset();
});

function sentInputs() {
  return snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

describe('createSnsPublisher', () => {
  it('sends the events after a refused one, and refuses what the deadline leaves', async () => {
    const [first, second, third] = [sampleEvent('started'), sampleEvent('failed'), sampleEvent('completed')];
    snsMock.on(PublishCommand).rejectsOnce(new Error('boom')).resolves({ MessageId: 'm-2' });
    const publisher = createSnsPublisher({ topicArn: TOPIC_ARN, client });
    const { refused } = await publisher.publish([first, second]);
    expect(refused.map((entry) => entry.id)).toEqual([first.id]);
    expect(sentInputs()).toHaveLength(2);
    const late = await publisher.publish([third], { budgetMs: 0 });
    expect(late.refused).toEqual([{ id: third.id, reason: DEADLINE_REASON }]);
    expect(sentInputs()).toHaveLength(2);
  });

  it('publishes the event as a JSON-structured message with filterable attributes', async () => {
    const event = sampleEvent('failed');
    await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([event]);
    expect(sentInputs()).toEqual([
      {
        TopicArn: TOPIC_ARN,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: JSON.stringify(event), email: emailText(event) }),
        Subject: '[GeminiDB] BackupInstance on nosql-12f5 failed',
        MessageAttributes: {
          type: { DataType: 'String', StringValue: 'com.huaweicloud.geminidb.job.failed' },
          job_name: { DataType: 'String', StringValue: 'BackupInstance' },
          status: { DataType: 'String', StringValue: 'Failed' },
          previous_status: { DataType: 'String', StringValue: 'Running' },
          instance_id: { DataType: 'String', StringValue: 'inst-1' },
          instance_name: { DataType: 'String', StringValue: 'nosql-12f5' },
          project_id: { DataType: 'String', StringValue: 'proj-1' },
          region: { DataType: 'String', StringValue: 'ap-southeast-1' },
        },
      },
    ]);
  });

  it('sends the exact event as the default message', async () => {
    const event = sampleEvent('completed');
    await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([event]);
    const message = JSON.parse(sentInputs()[0]?.Message ?? '{}');
    const delivered = JSON.parse(message.default);
    expect(delivered).toEqual(event);
    assertValidEvent(delivered);
    expect(message.email).toContain('Status:     Completed');
  });

  it('leaves out attributes that would be empty: previous_status of a new job, a nameless instance', async () => {
    const event = sampleEvent('completed', { instance: { id: 'inst-1', name: '' } }, null);
    await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([event]);
    const attributes = sentInputs()[0]?.MessageAttributes ?? {};
    expect(Object.keys(attributes).sort()).toEqual(
      ['instance_id', 'job_name', 'project_id', 'region', 'status', 'type'].sort(),
    );
  });

  it('groups by job id and deduplicates by event id on a FIFO topic', async () => {
    const event = sampleEvent('started');
    await createSnsPublisher({ topicArn: FIFO_TOPIC_ARN, client }).publish([event]);
    expect(sentInputs()[0]).toMatchObject({
      TopicArn: FIFO_TOPIC_ARN,
      MessageGroupId: 'job-1',
      MessageDeduplicationId: event.id,
    });
  });

  it('sets no FIFO fields on a standard topic', async () => {
    await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([sampleEvent('started')]);
    expect(sentInputs()[0]).not.toHaveProperty('MessageGroupId');
    expect(sentInputs()[0]).not.toHaveProperty('MessageDeduplicationId');
  });

  it(`cuts the subject to ${SNS_SUBJECT_MAX_CHARS} characters`, async () => {
    const event = sampleEvent('failed', { name: 'RestoreInstanceToPointInTime'.repeat(6) });
    await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([event]);
    const subject = sentInputs()[0]?.Subject ?? '';
    expect(subject).toHaveLength(SNS_SUBJECT_MAX_CHARS);
    expect(subject.endsWith('...')).toBe(true);
  });

  it.each<[string, () => Error]>([
    ['ThrottledException', () => new ThrottledException({ message: 'Rate exceeded', $metadata: {} })],
    ['a Throttling error', () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })],
    [
      'an HTTP 429',
      () =>
        new SNSServiceException({
          name: 'Unknown',
          $fault: 'client',
          message: 'slow down',
          $metadata: { httpStatusCode: 429 },
        }),
    ],
  ])('maps %s to PublishThrottledError', async (_label, makeError) => {
    const cause = makeError();
    snsMock.on(PublishCommand).rejects(cause);
    const event = sampleEvent('failed');
    const { refused } = await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([event]);
    expect(refused).toHaveLength(1);
    const error = refused[0]?.cause;
    expect(error).toBeInstanceOf(PublishThrottledError);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ sink: 'sns', cause });
    expect(refused[0]?.id).toBe(event.id);
    expect(refused[0]?.reason).toMatch(new RegExp(`^throttled publishing event ${event.id} to `));
  });

  it('maps any other failure to PublishError with the cause', async () => {
    const cause = new SNSServiceException({
      name: 'AuthorizationErrorException',
      $fault: 'client',
      message: 'not authorized',
      $metadata: { httpStatusCode: 403 },
    });
    snsMock.on(PublishCommand).rejects(cause);
    const { refused } = await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([
      sampleEvent('failed'),
    ]);
    const error = refused[0]?.cause;
    expect(refused[0]?.reason).toBe((error as PublishError).detail);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).not.toBeInstanceOf(PublishThrottledError);
    expect(error).toMatchObject({ name: 'PublishError', sink: 'sns', cause });
    expect((error as Error).message).toContain(TOPIC_ARN);
    expect((error as Error).message).toContain('AuthorizationErrorException');
  });

  it('says a DNS failure is a network error, not a missing topic or permission', async () => {
    const cause = Object.assign(new Error('getaddrinfo ENOTFOUND sns.eu-west-1.amazonaws.com'), {
      code: 'ENOTFOUND',
    });
    snsMock.on(PublishCommand).rejects(cause);
    const { refused } = await createSnsPublisher({ topicArn: TOPIC_ARN, client }).publish([
      sampleEvent('failed'),
    ]);
    const error = refused[0]?.cause;
    expect(error).toBeInstanceOf(PublishNetworkError);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(
      /^sns: network error publishing event .* \(Error: getaddrinfo ENOTFOUND sns\.eu-west-1\.amazonaws\.com\): SNS could not be reached; check DNS/,
    );
    expect((error as Error).message).not.toContain('sns:Publish');
  });

  it('says a refused connection is a network error, over a real socket', async () => {
    const port = await closedPort();
    const offline = new SNSClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    try {
      const { refused } = await createSnsPublisher({ topicArn: TOPIC_ARN, client: offline }).publish([
        sampleEvent('failed'),
      ]);
      expect(refused[0]?.cause).toBeInstanceOf(PublishNetworkError);
      expect(refused[0]?.reason).toContain('ECONNREFUSED');
    } finally {
      offline.destroy();
    }
  });
});

/** A local port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
