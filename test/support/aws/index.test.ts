import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwsStandIns, DUMMY_AWS_ENV, startAwsStandIns } from './index';

let aws: AwsStandIns;

beforeAll(async () => {
  aws = await startAwsStandIns();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await aws.close();
});

describe('startAwsStandIns', () => {
  it('gives the environment under which default clients of every service reach their stand-in', async () => {
    expect(Object.keys(aws.env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_ENDPOINT_URL_CLOUDFORMATION',
      'AWS_ENDPOINT_URL_EVENTBRIDGE',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_ENDPOINT_URL_SNS',
      'AWS_ENDPOINT_URL_SQS',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    for (const [name, value] of Object.entries(aws.env)) vi.stubEnv(name, value);
    aws.secretsManager.putSecret('s', 'v');
    const sns = new SNSClient({});
    const secrets = new SecretsManagerClient({});
    const events = new EventBridgeClient({});
    const sqs = new SQSClient({});
    await sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:ap-southeast-1:123456789012:t', Message: 'm' }),
    );
    await secrets.send(new GetSecretValueCommand({ SecretId: 's' }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }));
    await sqs.send(new SendMessageCommand({ QueueUrl: aws.sqs.queueUrl('q'), MessageBody: 'b' }));
    for (const client of [sns, secrets, events, sqs]) client.destroy();

    expect([
      aws.sns.published.length,
      aws.secretsManager.reads.length,
      aws.eventBridge.events.length,
      aws.sqs.sent.length,
    ]).toEqual([1, 1, 1, 1]);
    // Signed with the dummy credentials for the region of the environment.
    expect(aws.sns.calls[0]).toMatchObject({
      signed: true,
      region: 'ap-southeast-1',
      accessKeyId: DUMMY_AWS_ENV.AWS_ACCESS_KEY_ID,
    });
  });

  it('refuses a request signed for another service (a client pointed at the wrong stand-in)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SNS', aws.secretsManager.url);
    const sns = new SNSClient({ maxAttempts: 1 });
    await expect(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:ap-southeast-1:123456789012:t', Message: 'm' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    sns.destroy();
    expect(aws.secretsManager.calls.at(-1)).toMatchObject({
      status: 403,
      errorCode: 'SignatureDoesNotMatch',
      signed: true,
    });
  });
});
