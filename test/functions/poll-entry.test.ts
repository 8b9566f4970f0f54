import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PollSummary } from '../../functions/poll-handler';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { ENV } from '../../shared/config';
import { LAMBDA_ENV } from '../../shared/contract';
import { useDynalite } from '../support/dynalite';

const TOKEN = 'entry-token-41d9';
const PROJECT = 'entryproj';
const dynalite = useDynalite();
let simulator: Simulator;
const snsMock = mockClient(SNSClient);
const secretsMock = mockClient(SecretsManagerClient);

beforeAll(async () => {
  simulator = createSimulator({
    seed: 5,
    token: TOKEN,
    projectIds: [PROJECT],
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  await simulator.listen(0);
});
afterAll(async () => {
  await simulator.close();
  snsMock.restore();
  secretsMock.restore();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('functions/poll handler', () => {
  it('wires itself from the Lambda environment the stack sets and polls the targets of the schedule input', async () => {
    const tableName = await dynalite.freshTable();
    const topicArn = 'arn:aws:sns:ap-southeast-1:123456789012:Events';
    const env: Record<string, string> = {
      AWS_REGION: 'ap-southeast-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      // As the stack sets it: no target list (the schedule input carries it), the custom endpoint allowed.
      [LAMBDA_ENV.allowedEndpoints]: JSON.stringify([simulator.url]),
      [ENV.announceBaseline]: 'true',
      // The job stays Running: without this the invocation would poll it again every 15 s.
      [ENV.fastPollSeconds]: '0',
      [LAMBDA_ENV.tableName]: tableName,
      [LAMBDA_ENV.topicArn]: topicArn,
      [LAMBDA_ENV.credentialsSecretId]: 'watcher/huawei',
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    secretsMock
      .on(GetSecretValueCommand, { SecretId: 'watcher/huawei' })
      .resolves({ SecretString: JSON.stringify({ HUAWEICLOUD_AUTH_TOKEN: TOKEN }) });
    snsMock.on(PublishCommand).resolves({ MessageId: randomUUID() });
    simulator.addJob(PROJECT, { name: 'BackupInstance', start_time: formatHuaweiTime(Date.now() - 60_000) });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    const { handler } = await import('../../functions/poll');
    const context = {
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => 60_000,
    } as unknown as Context;
    const scheduleInput = {
      targets: [{ region: 'ap-southeast-1', projectId: PROJECT, endpoint: simulator.url }],
    };
    const summary: PollSummary = await handler(scheduleInput, context);

    expect(summary).toMatchObject({ succeeded: 1, published: 1, transitions: { started: 1 } });
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(topicArn);
  });
});
