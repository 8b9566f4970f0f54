import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { akskAuthorizer } from '../../local/simulator/aksk-check';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { LAMBDA_ENV } from '../../shared/contract';
import { RELAY_ENV } from '../../shared/relay/contract';
import { type Receiver, startSlackReceiver, startWebhookReceiver } from '../shared/relay/receivers';
import {
  type AwsStandIns,
  DUMMY_AWS_ENV,
  deliveredMessage,
  type PublishedMessage,
  startAwsStandIns,
} from '../support/aws/index';
import { useDynalite } from '../support/dynalite';
import { assertValidEvent } from '../support/event-schema';
import {
  type DeployedFunction,
  deployedFunction,
  resolveTokens,
  resourcesOfType,
  type SynthesizedStack,
  synthesize,
} from './assembly';
import { type Container, lambdaEnvironment, provideRuntimeSdk, startContainer } from './invoke';
import { createLocalResources } from './local-resources';

/**
 * The functions as they are deployed: the stack is synthesized from a config file as `npm run synth`
 * does, each function's code is taken from its asset in the cloud assembly and run under bare `node`
 * with the environment the template gives it, against the simulator, dynalite and the AWS stand-ins
 * (reached through the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`). Assertions are on what the functions
 * send, not on what they log.
 */

const REGION = DUMMY_AWS_ENV.AWS_REGION;
const PROJECT = 'artifactproject01';
const ACCESS_KEY = 'ARTIFACTTESTAK000001';
const SECRET_KEY = `sk-${randomUUID()}`;
const SIGNING_SECRET = `signing-${randomUUID()}`;
/** The 100 targets whose cycle the memory figure is measured on. */
const MEMORY_PROJECTS = Array.from(
  { length: 100 },
  (_, index) => `artifactmemory${String(index).padStart(3, '0')}`,
);
const JOBS_PER_MEMORY_TARGET = 5;

const dynalite = useDynalite();
let simulator: Simulator;
let aws: AwsStandIns;
let webhook: Receiver;
let slack: Receiver;
let workDir: string;
let stack: SynthesizedStack;
let refs: Record<string, string>;
/** The deadline the 100-target memory test gives each invocation (each took about 12 s on a loaded 2-core machine). */
const MEMORY_TEST_DEADLINE_SECONDS = 300;
const containers: Promise<Container>[] = [];

beforeAll(async () => {
  simulator = createSimulator({
    seed: 11,
    projectIds: [PROJECT, ...MEMORY_PROJECTS],
    // Only AK/SK-signed requests pass, as the credentials in the secret sign them.
    token: null,
    authorize: akskAuthorizer({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }),
    historyJobs: 3,
    runningAtStart: 0,
  });
  simulator.pause();
  const [, standIns, webhookReceiver, slackReceiver] = await Promise.all([
    simulator.listen(0),
    startAwsStandIns(),
    startWebhookReceiver(SIGNING_SECRET),
    startSlackReceiver(),
  ]);
  aws = standIns;
  webhook = webhookReceiver;
  slack = slackReceiver;

  workDir = mkdtempSync(join(tmpdir(), 'watcher-artifact-'));
  const configFile = join(workDir, 'watcher.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      targets: [{ region: REGION, projectId: PROJECT, endpoint: simulator.url }],
      // One poll per invocation: the job below stays Running through the first one.
      fastPollSeconds: 0,
      relay: {
        destinations: [
          { name: 'automation', kind: 'webhook' },
          { name: 'ops-slack', kind: 'slack', filter: { types: ['completed', 'failed'] } },
        ],
      },
    }),
  );
  stack = await synthesize(configFile, join(workDir, 'cdk.out'));
  provideRuntimeSdk(stack.directory);
  refs = await createLocalResources({ stack, region: REGION, dynamoDb: dynalite.client, aws });
  // What the operator puts into the secrets after deploying (README).
  const poll = deployedFunction(stack, 'WatcherPollFunction');
  const relay = deployedFunction(stack, 'WatcherRelayFunction');
  aws.secretsManager.putSecret(
    resolveTokens(poll.environment[LAMBDA_ENV.credentialsSecretId], refs, 'poll credentials secret'),
    JSON.stringify({ HUAWEICLOUD_SDK_AK: ACCESS_KEY, HUAWEICLOUD_SDK_SK: SECRET_KEY }),
  );
  aws.secretsManager.putSecret(
    resolveTokens(relay.environment[RELAY_ENV.secretId], refs, 'relay secret'),
    JSON.stringify({
      destinations: {
        automation: { url: webhook.url, signingSecret: SIGNING_SECRET },
        'ops-slack': { url: slack.url },
      },
    }),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(containers.map(async (started) => (await started).close()));
  await Promise.all([simulator?.close(), aws?.close(), webhook?.close(), slack?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Starts one container of the function with the environment the template gives it. */
function container(fn: DeployedFunction, extra: Record<string, string> = {}): Promise<Container> {
  const variables = Object.fromEntries(
    Object.entries(fn.environment).map(([name, value]) => [
      name,
      resolveTokens(value, refs, `${fn.logicalId} ${name}`),
    ]),
  );
  const endpoints = {
    ...aws.env,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    ...extra,
  };
  const started = startContainer(fn, lambdaEnvironment(fn, variables, endpoints));
  containers.push(started);
  return started;
}

/** The event the schedule sends: its target's `Input`. */
function scheduleInput(): unknown {
  const schedules = resourcesOfType(stack, 'AWS::Scheduler::Schedule');
  expect(schedules).toHaveLength(1);
  const [, properties] = schedules[0] as [string, { Target: { Input: string } }];
  return JSON.parse(properties.Target.Input);
}

/** The notification Lambda gets from SNS for a message published with `MessageStructure: json`. */
function snsLambdaEvent(message: PublishedMessage) {
  const subscription = resourcesOfType(stack, 'AWS::SNS::Subscription').find(
    ([, properties]) => properties.Protocol === 'lambda',
  );
  expect(subscription).toBeDefined();
  const topicArn = message.TopicArn as string;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: message.MessageId,
          TopicArn: topicArn,
          Subject: message.Subject ?? null,
          Message: deliveredMessage(message, 'lambda'),
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-example.pem',
          UnsubscribeUrl: `https://sns.ap-southeast-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          MessageAttributes: Object.fromEntries(
            Object.entries(message.MessageAttributes).map(([name, value]) => [
              name,
              { Type: value.DataType, Value: value.StringValue },
            ]),
          ),
        },
      },
    ],
  };
}

function expectNoSecretIn(output: string): void {
  for (const secret of [SECRET_KEY, SIGNING_SECRET, webhook.url, slack.url]) {
    expect(output).not.toContain(secret);
  }
}

describe('the deployed poll function', () => {
  it('baselines silently, then publishes the transition the schedule event finds to the topic of its environment', async () => {
    const poll = deployedFunction(stack, 'WatcherPollFunction');
    expect(poll.environment[LAMBDA_ENV.topicArn]).toEqual({ Ref: expect.stringMatching(/^WatcherTopic/) });
    const topicArn = resolveTokens(poll.environment[LAMBDA_ENV.topicArn], refs, 'topic');
    const event = scheduleInput();
    const job = simulator.addJob(PROJECT, {
      name: 'BackupInstance',
      status: 'Running',
      progress: '40%',
      start_time: formatHuaweiTime(Date.now() - 120_000),
    });

    // One warm container, invoked by two schedule ticks, as Lambda reuses it minute after minute.
    const pollContainer = await container(poll);
    expect(await pollContainer.invoke(event)).toMatchObject({ ok: true, value: expect.anything() });
    expect(aws.sns.published).toEqual([]);

    simulator.updateJob(PROJECT, job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(Date.now()),
    });
    expect(await pollContainer.invoke(event)).toMatchObject({ ok: true, value: expect.anything() });

    expect(aws.sns.published).toHaveLength(1);
    const [message] = aws.sns.published as [PublishedMessage];
    expect(message).toMatchObject({ operation: 'Publish', TopicArn: topicArn, MessageStructure: 'json' });
    expect(message.Subject).toMatch(/^\[GeminiDB\] .*BackupInstance/);
    const published = JSON.parse(deliveredMessage(message));
    assertValidEvent(published);
    expect(published).toMatchObject({
      type: 'com.huaweicloud.geminidb.job.completed',
      source: `geminidb-job-watcher/${REGION}/${PROJECT}`,
      subject: job.id,
      data: {
        region: REGION,
        project_id: PROJECT,
        previous_status: 'Running',
        job: { id: job.id, name: 'BackupInstance', status: 'Completed' },
      },
    });
    expect(message.MessageAttributes).toMatchObject({
      type: { DataType: 'String', StringValue: published.type },
      job_name: { DataType: 'String', StringValue: 'BackupInstance' },
      status: { DataType: 'String', StringValue: 'Completed' },
      previous_status: { DataType: 'String', StringValue: 'Running' },
      project_id: { DataType: 'String', StringValue: PROJECT },
      region: { DataType: 'String', StringValue: REGION },
    });
    // The credentials came from the secret the template names (read once: the warm container caches
    // it) and signed every API request: the simulator accepts AK/SK signatures only.
    const credentialsSecret = resolveTokens(poll.environment[LAMBDA_ENV.credentialsSecretId], refs, 'secret');
    expect(aws.secretsManager.reads).toEqual([{ SecretId: credentialsSecret, found: true }]);
    expect(Object.keys(simulator.stats.byStatus)).toEqual(['200']);
    expectNoSecretIn(pollContainer.output);
  });
});

describe('the deployed relay function', () => {
  it('delivers the event SNS hands it to the signed webhook and to Slack, with the URLs from its secret', async () => {
    const relay = deployedFunction(stack, 'WatcherRelayFunction');
    const [message] = aws.sns.published;
    if (message === undefined)
      throw new Error('the relay gets what the poll function published: run the file whole');
    const event = JSON.parse(deliveredMessage(message));

    // The receivers listen on 127.0.0.1, which the relay refuses unless told this is a local test.
    const relayContainer = await container(relay, { [RELAY_ENV.allowLocalDestinations]: 'true' });
    expect(await relayContainer.invoke(snsLambdaEvent(message))).toMatchObject({
      ok: true,
      value: expect.anything(),
    });

    // The receiver verified the signature with the signing secret before accepting.
    expect(webhook.all).toHaveLength(1);
    expect(webhook.accepted).toHaveLength(1);
    const [delivery] = webhook.accepted;
    expect(JSON.parse(delivery?.body ?? '')).toEqual(event);
    expect(delivery?.headers['x-geminidb-event-id']).toBe(event.id);
    expect(delivery?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(slack.accepted).toHaveLength(1);
    expect(JSON.parse(slack.accepted[0]?.body ?? '{}').text).toContain('BackupInstance');
    expectNoSecretIn(relayContainer.output);
  });
});

describe('the deployed poll function under 100 targets', () => {
  it(
    'stays within its memory size with headroom through a 100-target cycle (the default memory is set from it)',
    async ({ annotate }) => {
      const poll = deployedFunction(stack, 'WatcherPollFunction');
      const targets = MEMORY_PROJECTS.map((projectId) => ({
        region: REGION,
        projectId,
        endpoint: simulator.url,
      }));
      for (const { projectId } of targets) {
        for (let index = 0; index < JOBS_PER_MEMORY_TARGET; index++) {
          simulator.addJob(projectId, {
            status: index === 0 ? 'Running' : 'Completed',
            start_time: formatHuaweiTime(Date.now() - (index + 2) * 60_000),
          });
        }
      }
      // A deadline far past the function's 60 s: this measures memory, and a loaded machine must not
      // cut the cycle short (the deadline's own behaviour is test/functions/poll-deadline.test.ts's).
      const pollContainer = await container({ ...poll, timeoutSeconds: MEMORY_TEST_DEADLINE_SECONDS });
      // The baselines (every job read and written), then an incremental cycle of every target.
      const results = [await pollContainer.invoke({ targets }), await pollContainer.invoke({ targets })];
      for (const result of results) {
        expect(result).toMatchObject({ ok: true, value: { targets: 100, succeeded: 100, failed: [] } });
      }
      const peakMb = Math.max(...results.map((result) => result.memory?.maxRssBytes ?? 0)) / (1024 * 1024);
      await annotate(
        `poll function peak RSS through a 100-target baseline and cycle: ${peakMb.toFixed(1)} MB of ${poll.memoryMb} MB`,
      );
      expect(peakMb).toBeGreaterThan(0);
      // Headroom: the peak stays under three quarters of the memory the stack gives the function.
      expect(peakMb).toBeLessThan(poll.memoryMb * 0.75);
    },
    2 * MEMORY_TEST_DEADLINE_SECONDS * 1000,
  );
});
