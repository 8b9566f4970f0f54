import { randomUUID } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPollHandler, type PollSummary } from '../../functions/poll-handler';
import { pollDepsFromEnv } from '../../functions/poll-wiring';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { ENV } from '../../shared/config';
import { LAMBDA_ENV } from '../../shared/contract';
import type { FollowUpMessage } from '../../shared/follow-up/message';
import { FOLLOW_UP_GRACE_MS } from '../../shared/follow-up/rules';
import type { Target } from '../../shared/target';
import {
  type AwsStandIns,
  DUMMY_AWS_ENV,
  deliveredMessage,
  type SentMessage,
  startAwsStandIns,
} from '../support/aws/index';
import { useDynalite } from '../support/dynalite';

/**
 * The poll handler's follow-up chain end to end: the handler as the Lambda builds it from its
 * environment, against the simulator, dynalite and the SNS, Secrets Manager and SQS stand-ins. The
 * follow-up messages the handler sends to the SQS stand-in are fed back to it as the SQS event the
 * event source mapping would deliver; the clock is the test's, so a 15 s delay passes at once.
 */

const TOKEN = 'follow-up-token';
const REGION = DUMMY_AWS_ENV.AWS_REGION;
const FAST_SECONDS = 15;
const QUEUE = 'watcher-follow-up';
const PROJECTS = ['chain0', 'chain1', 'chain2', 'chain3'];
const credentials = {
  accessKeyId: DUMMY_AWS_ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: DUMMY_AWS_ENV.AWS_SECRET_ACCESS_KEY,
};

const dynalite = useDynalite();
let simulator: Simulator;
let aws: AwsStandIns;
let clients: { sns: SNSClient; secretsManager: SecretsManagerClient; sqs: SQSClient };
let projectCounter = 0;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 13,
    token: TOKEN,
    projectIds: PROJECTS,
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  [, aws] = await Promise.all([simulator.listen(0), startAwsStandIns()]);
  clients = {
    sns: new SNSClient({ region: REGION, endpoint: aws.sns.url, credentials }),
    secretsManager: new SecretsManagerClient({
      region: REGION,
      endpoint: aws.secretsManager.url,
      credentials,
    }),
    // The queue URL is the stand-in's too (the SDK sends to the host of the queue URL).
    sqs: new SQSClient({ region: REGION, endpoint: aws.sqs.url, credentials }),
  };
});
afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await Promise.all([simulator?.close(), aws?.close()]);
});
beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

function context(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'GeminiDbJobWatcher-Poll',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:123456789012:function:GeminiDbJobWatcher-Poll',
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/GeminiDbJobWatcher-Poll',
    logStreamName: '2026/01/05/[$LATEST]abc',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A fresh target, table and secret, and the handler the Lambda builds for them, on the test's clock. */
async function watcher() {
  const projectId = PROJECTS[projectCounter++];
  if (!projectId) throw new Error('out of test projects');
  const target: Target = { region: REGION, projectId, endpoint: simulator.url ?? '' };
  const secretId = `watcher/${projectId}`;
  aws.secretsManager.putSecret(secretId, JSON.stringify({ HUAWEICLOUD_AUTH_TOKEN: TOKEN }));
  const env = {
    [ENV.fastPollSeconds]: String(FAST_SECONDS),
    [ENV.leaseSeconds]: '60',
    [LAMBDA_ENV.tableName]: await dynalite.freshTable(),
    [LAMBDA_ENV.topicArn]: `arn:aws:sns:${REGION}:123456789012:events-${projectId}`,
    [LAMBDA_ENV.credentialsSecretId]: secretId,
    [LAMBDA_ENV.allowedEndpoints]: JSON.stringify([simulator.url]),
    [LAMBDA_ENV.followUpQueueUrl]: aws.sqs.queueUrl(QUEUE),
  };
  let nowMs = Date.now();
  const handler = createPollHandler({
    ...pollDepsFromEnv(env, { dynamoDb: dynalite.client, ...clients }),
    now: () => nowMs,
  });
  const sentBefore = aws.sqs.sent.length;
  const publishedBefore = aws.sns.published.length;
  return {
    target,
    projectId,
    /** The schedule's tick. */
    tick: (): Promise<PollSummary> => handler({ targets: [target] }, context()),
    /** The event source mapping delivering these messages as one batch. */
    deliver: (...messages: SentMessage[]): Promise<PollSummary> => handler(sqsEvent(messages), context()),
    advanceSeconds: (seconds: number) => {
      nowMs += seconds * 1000;
    },
    now: () => nowMs,
    /** Follow-up messages this watcher sent, in order. */
    sent: () => aws.sqs.sent.slice(sentBefore),
    /** Event types published to the topic. */
    published: () =>
      aws.sns.published.slice(publishedBefore).map((message) => JSON.parse(deliveredMessage(message)).type),
  };
}

function sqsEvent(messages: readonly SentMessage[]): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: randomUUID(),
      body: message.MessageBody,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AROAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:${QUEUE}`,
      awsRegion: REGION,
    })),
  };
}

const body = (message: SentMessage | undefined): FollowUpMessage['followUp'] =>
  (JSON.parse(message?.MessageBody ?? '{}') as FollowUpMessage).followUp;

describe('poll handler follow-up chain', () => {
  it('sees a job end within one follow-up, stops the chain, and a stale message then does nothing', async () => {
    const w = await watcher();
    const job = simulator.addJob(w.projectId, {
      name: 'BackupInstance',
      status: 'Running',
      start_time: formatHuaweiTime(Date.now() - 60_000),
    });
    // The tick records the baseline and, the job running, schedules the target's follow-up.
    expect(await w.tick()).toMatchObject({ succeeded: 1, followUpsSent: 1 });
    const [first] = w.sent();
    expect(first).toMatchObject({ queueName: QUEUE, DelaySeconds: FAST_SECONDS });
    expect(body(first)).toEqual({
      target: w.target,
      chain: expect.any(String),
      dueMs: w.now() + FAST_SECONDS * 1000,
    });

    // 15 s later: still running; the follow-up polls and sends the next one.
    w.advanceSeconds(FAST_SECONDS);
    expect(await w.deliver(first as SentMessage)).toMatchObject({ followUpsSent: 1, batchItemFailures: [] });
    const second = w.sent()[1];
    expect(body(second).chain).not.toBe(body(first).chain);

    // The job ends; the next follow-up publishes it and, nothing running, sends none.
    simulator.updateJob(w.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(w.now()),
    });
    w.advanceSeconds(FAST_SECONDS);
    expect(await w.deliver(second as SentMessage)).toMatchObject({
      published: 1,
      transitions: { completed: 1 },
      followUpsSent: 0,
      batchItemFailures: [],
    });
    expect(w.published()).toEqual(['com.huaweicloud.geminidb.job.completed']);
    expect(w.sent()).toHaveLength(2);

    // The first message delivered again (SQS is at-least-once): stale, no API request, acknowledged.
    const requests = simulator.stats.requests;
    expect(await w.deliver(first as SentMessage)).toMatchObject({
      published: 0,
      followUpsSent: 0,
      batchItemFailures: [],
    });
    expect(simulator.stats.requests).toBe(requests);

    // The next tick: nothing runs, no follow-up recorded, one API request.
    w.advanceSeconds(60);
    expect(await w.tick()).toMatchObject({ succeeded: 1, followUpsSent: 0 });
    expect(simulator.stats.requests).toBe(requests + 1);
  });

  it('repairs a lost follow-up on the first tick after it is overdue; the lost message is then stale', async () => {
    const w = await watcher();
    simulator.addJob(w.projectId, { status: 'Running', start_time: formatHuaweiTime(Date.now() - 60_000) });
    await w.tick();
    const [lost] = w.sent();

    // A tick while the follow-up is due within fastPollSeconds leaves the target to it.
    w.advanceSeconds(5);
    const requests = simulator.stats.requests;
    expect(await w.tick()).toMatchObject({ succeeded: 1, followUpsSent: 0 });
    expect(simulator.stats.requests).toBe(requests);

    // The message never arrives. The first tick past its due time and the grace polls and starts a new chain.
    w.advanceSeconds(FAST_SECONDS + FOLLOW_UP_GRACE_MS / 1000);
    expect(await w.tick()).toMatchObject({ succeeded: 1, followUpsSent: 1 });
    expect(simulator.stats.requests).toBe(requests + 1);
    const replacement = w.sent()[1];
    expect(body(replacement).chain).not.toBe(body(lost).chain);

    // The lost message turns up after all: stale. The replacement carries the chain on.
    w.advanceSeconds(1);
    expect(await w.deliver(lost as SentMessage, replacement as SentMessage)).toMatchObject({
      followUpsSent: 1,
      batchItemFailures: [],
    });
    expect(simulator.stats.requests).toBe(requests + 2);
    expect(w.sent()).toHaveLength(3);
  });

  it('drops a follow-up message that does not validate, naming the field, and polls nothing', async () => {
    const w = await watcher();
    const requests = simulator.stats.requests;
    const forged: SentMessage = {
      MessageId: randomUUID(),
      QueueUrl: aws.sqs.queueUrl(QUEUE),
      queueName: QUEUE,
      MessageBody: JSON.stringify({
        followUp: { target: { ...w.target, endpoint: 'http://127.0.0.1:9/collect' }, chain: 'c', dueMs: 1 },
      }),
      MessageAttributes: {},
    };
    const output: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
    expect(await w.deliver(forged)).toMatchObject({ targets: 0, batchItemFailures: [] });
    expect(simulator.stats.requests).toBe(requests);
    expect(output.join('')).toContain(
      "followUp.target.endpoint: http://127.0.0.1:9/collect is not an endpoint of the stack's targets",
    );
  });
});
