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
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import type { SubTickMessage } from '../../shared/sub-tick';
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
 * The poll handler's sub-ticks end to end: the handler as the Lambda builds it from its
 * environment, against the simulator, dynalite and the SNS, Secrets Manager and SQS stand-ins. The
 * sub-tick messages the handler sends to the SQS stand-in are fed back to it as the SQS event the
 * event source mapping would deliver; the clock is the test's, so a 15 s delay passes at once.
 */

const TOKEN = 'sub-tick-token';
const REGION = DUMMY_AWS_ENV.AWS_REGION;
const FAST_SECONDS = 15;
const QUEUE = 'watcher-sub-ticks';
const PROJECTS = ['sub0', 'sub1', 'sub2', 'sub3', 'sub4', 'sub5', 'sub6', 'sub7'];
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
  const tableName = await dynalite.freshTable();
  const env = {
    [ENV.fastPollSeconds]: String(FAST_SECONDS),
    [ENV.leaseSeconds]: '60',
    [LAMBDA_ENV.tableName]: tableName,
    [LAMBDA_ENV.topicArn]: `arn:aws:sns:${REGION}:123456789012:events-${projectId}`,
    [LAMBDA_ENV.credentialsSecretId]: secretId,
    [LAMBDA_ENV.allowedEndpoints]: JSON.stringify([simulator.url]),
    [LAMBDA_ENV.subTickQueueUrl]: aws.sqs.queueUrl(QUEUE),
  };
  let nowMs = Date.now();
  const handler = createPollHandler({
    ...pollDepsFromEnv(env, { dynamoDb: dynalite.client, ...clients }),
    now: () => nowMs,
  });
  const sentBefore = aws.sqs.sent.length;
  const operationsBefore = aws.sqs.operations.length;
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
    /** The target's cursor as stored. */
    cursor: () => new DynamoDbTaskStore({ tableName, client: dynalite.client }).getCursor(target),
    /** Sub-tick messages this watcher sent, in order. */
    sent: () => aws.sqs.sent.slice(sentBefore),
    /** SQS requests this watcher made. */
    sqsRequests: () => aws.sqs.operations.slice(operationsBefore),
    /** A fan-out message carrying these targets, as the target queue's event source delivers it. */
    fanOut: (targets: readonly Target[]): Promise<PollSummary> =>
      handler(sqsEvent([{ ...forgedMessage(JSON.stringify({ targets })) }], 'watcher-targets'), context()),
    /** Event types published to the topic. */
    published: () =>
      aws.sns.published.slice(publishedBefore).map((message) => JSON.parse(deliveredMessage(message)).type),
  };
}

function forgedMessage(body: string): SentMessage {
  return {
    MessageId: randomUUID(),
    QueueUrl: aws.sqs.queueUrl(QUEUE),
    queueName: QUEUE,
    MessageBody: body,
    MessageAttributes: {},
  };
}

function sqsEvent(messages: readonly SentMessage[], queue = QUEUE): SQSEvent {
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
      eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:${queue}`,
      awsRegion: REGION,
    })),
  };
}

const body = (message: SentMessage | undefined): SubTickMessage['subTick'] =>
  (JSON.parse(message?.MessageBody ?? '{}') as SubTickMessage).subTick;

const runningJob = (projectId: string) =>
  simulator.addJob(projectId, {
    name: 'BackupInstance',
    status: 'Running',
    start_time: formatHuaweiTime(Date.now() - 60_000),
  });

describe('poll handler sub-ticks', () => {
  it("sends a tick's three sub-ticks in one SendMessageBatch, and a sub-tick announces a job's end", async () => {
    const w = await watcher();
    const job = runningJob(w.projectId);
    expect(await w.tick()).toMatchObject({ trigger: 'tick', succeeded: 1, subTicksSent: 3 });
    expect(w.sqsRequests()).toEqual(['SendMessageBatch']);
    const sent = w.sent();
    expect(sent.map((message) => message.DelaySeconds)).toEqual([15, 30, 45]);
    for (const message of sent) expect(body(message)).toEqual({ targets: [w.target] });

    // 15 s later the job is done: the first sub-tick finds it open on the cursor, polls and announces it.
    simulator.updateJob(w.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(w.now()),
    });
    w.advanceSeconds(FAST_SECONDS);
    expect(await w.deliver(sent[0] as SentMessage)).toMatchObject({
      trigger: 'sub-tick',
      polled: 1,
      published: 1,
      transitions: { completed: 1 },
      subTicksSent: 0,
      batchItemFailures: [],
    });
    expect(w.published()).toEqual(['com.huaweicloud.geminidb.job.completed']);

    // Nothing is open any more: the next sub-tick reads the cursor and asks the API nothing.
    const requests = simulator.stats.requests;
    w.advanceSeconds(FAST_SECONDS);
    expect(await w.deliver(sent[1] as SentMessage)).toMatchObject({
      polled: 0,
      succeeded: 1,
      apiRequests: 0,
    });
    expect(simulator.stats.requests).toBe(requests);
    // Sub-ticks send nothing themselves: one request per tick, whatever the targets do.
    expect(w.sqsRequests()).toEqual(['SendMessageBatch']);
  });

  it('loses nothing when a sub-tick is lost: the next sub-tick announces the change, once', async () => {
    const w = await watcher();
    const job = runningJob(w.projectId);
    await w.tick();
    const [, second] = w.sent();
    simulator.updateJob(w.projectId, job.id, {
      status: 'Failed',
      progress: '',
      end_time: formatHuaweiTime(w.now()),
    });
    // The first sub-tick never arrives. The second one polls and announces the failure.
    w.advanceSeconds(2 * FAST_SECONDS);
    expect(await w.deliver(second as SentMessage)).toMatchObject({
      polled: 1,
      published: 1,
      transitions: { failed: 1 },
    });
    // The next tick polls every target anyway and announces nothing twice.
    w.advanceSeconds(60);
    expect(await w.tick()).toMatchObject({ published: 0, subTicksSent: 3 });
    expect(w.published()).toEqual(['com.huaweicloud.geminidb.job.failed']);
  });

  it('loses nothing either when every sub-tick of an interval is lost: the next tick announces the change', async () => {
    const w = await watcher();
    const job = runningJob(w.projectId);
    await w.tick();
    simulator.updateJob(w.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(w.now()),
    });
    w.advanceSeconds(60);
    expect(await w.tick()).toMatchObject({ published: 1, transitions: { completed: 1 } });
    expect(w.published()).toEqual(['com.huaweicloud.geminidb.job.completed']);
  });

  it('costs one idle poll for a duplicated sub-tick: no event twice, no write', async () => {
    const w = await watcher();
    const job = runningJob(w.projectId);
    await w.tick();
    const [first] = w.sent();
    simulator.updateJob(w.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(w.now()),
    });
    w.advanceSeconds(FAST_SECONDS);
    expect(await w.deliver(first as SentMessage)).toMatchObject({ published: 1 });

    // SQS delivers the same message again, alone and twice in one batch: the target is polled once
    // per delivery at most, announces nothing, and its cursor asks for no write.
    const requests = simulator.stats.requests;
    w.advanceSeconds(1);
    expect(await w.deliver(first as SentMessage)).toMatchObject({ published: 0, batchItemFailures: [] });
    expect(await w.deliver(first as SentMessage, first as SentMessage)).toMatchObject({
      targets: 1,
      published: 0,
      batchItemFailures: [],
    });
    expect(simulator.stats.requests - requests).toBeLessThanOrEqual(2);
    expect((await w.cursor())?.jobs.get(job.id)?.status).toBe('Completed');
    expect(w.published()).toEqual(['com.huaweicloud.geminidb.job.completed']);
  });

  it('polls a duplicated sub-tick of a running job idly: one API request, no write', async () => {
    const w = await watcher();
    runningJob(w.projectId);
    await w.tick();
    const [first] = w.sent();
    w.advanceSeconds(FAST_SECONDS);
    const requests = simulator.stats.requests;
    const before = await w.cursor();
    expect(await w.deliver(first as SentMessage)).toMatchObject({ polled: 1, published: 0, apiRequests: 1 });
    expect(await w.deliver(first as SentMessage)).toMatchObject({ polled: 1, published: 0, apiRequests: 1 });
    expect(simulator.stats.requests).toBe(requests + 2);
    const after = await w.cursor();
    expect(after?.revision).toBe(before?.revision);
    expect(after?.lastCycleAt).toBe(before?.lastCycleAt);
  });

  it('sends sub-ticks for the targets of a fan-out message too, one request per message', async () => {
    const w = await watcher();
    const other = await watcher();
    const summary = await w.fanOut([w.target, other.target]);
    expect(summary).toMatchObject({ trigger: 'tick', targets: 2, subTicksSent: 3, batchItemFailures: [] });
    expect(w.sqsRequests()).toEqual(['SendMessageBatch']);
    expect(w.sent().map((message) => body(message).targets)).toEqual([
      [w.target, other.target],
      [w.target, other.target],
      [w.target, other.target],
    ]);
  });

  it('drops a sub-tick message that does not validate, naming the field, and polls nothing', async () => {
    const w = await watcher();
    const requests = simulator.stats.requests;
    const forged = forgedMessage(
      JSON.stringify({ subTick: { targets: [{ ...w.target, endpoint: 'http://127.0.0.1:9/collect' }] } }),
    );
    const output: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
    expect(await w.deliver(forged)).toMatchObject({ targets: 0, batchItemFailures: [] });
    expect(simulator.stats.requests).toBe(requests);
    expect(output.join('')).toContain(
      "subTick.targets[0].endpoint: http://127.0.0.1:9/collect is not an endpoint of the stack's targets",
    );
  });
});
