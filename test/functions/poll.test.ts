import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AllTargetsFailedError, createPollHandler, type PollSummary } from '../../functions/poll-handler';
import { NoTargetsError, TargetsPayloadError } from '../../functions/poll-targets';
import { pollDepsFromEnv } from '../../functions/poll-wiring';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { ConfigError, ENV } from '../../shared/config';
import { LAMBDA_ENV, METRICS_NAMESPACE } from '../../shared/contract';
import type { Target } from '../../shared/target';
import { useDynalite } from '../support/dynalite';

const TOKEN = 'sim-token-7f3c9a1e5b';
const SECRET_ID = 'geminidb-job-watcher/huawei';
const TOPIC_ARN = 'arn:aws:sns:ap-southeast-1:123456789012:GeminiDbJobEvents';
const REGION = 'ap-southeast-1';
const PROJECTS = Array.from({ length: 20 }, (_, index) => `proj${index}`);

const dynalite = useDynalite();
let simulator: Simulator;
let projectCounter = 0;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 3,
    token: TOKEN,
    projectIds: PROJECTS,
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  await simulator.listen(0);
});
afterAll(async () => {
  await simulator.close();
});

const sns = new SNSClient({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const secrets = new SecretsManagerClient({
  region: REGION,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const eventBridge = new EventBridgeClient({
  region: REGION,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const snsMock = mockClient(sns);
const eventBridgeMock = mockClient(eventBridge);
const secretsMock = mockClient(secrets);

/** Everything Powertools writes (JSON log lines and EMF records), stdout and stderr. */
let output: string[] = [];

beforeEach(() => {
  snsMock.reset();
  eventBridgeMock.reset();
  secretsMock.reset();
  eventBridgeMock.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })),
  }));
  snsMock.on(PublishCommand).resolves({ MessageId: randomUUID() });
  secretsMock
    .on(GetSecretValueCommand, { SecretId: SECRET_ID })
    .resolves({ SecretString: JSON.stringify({ HUAWEICLOUD_AUTH_TOKEN: TOKEN }) });
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  };
  // Powertools writes INFO lines and EMF to stdout, WARN and ERROR lines to stderr.
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const minutesAgo = (minutes: number) => formatHuaweiTime(Date.now() - minutes * 60_000);

function freshTarget(): Target {
  const projectId = PROJECTS[projectCounter++];
  if (!projectId) throw new Error('out of test projects');
  return { region: REGION, projectId, endpoint: simulator.url ?? '' };
}

/** The Lambda environment for these targets (none: they come with the event) and a fresh table. */
async function lambdaEnv(targets: readonly Target[]): Promise<Record<string, string>> {
  return {
    ...(targets.length > 0 ? { [ENV.targets]: JSON.stringify(targets) } : {}),
    [ENV.leaseSeconds]: '60',
    // No sub-ticks: test/functions/poll-sub-tick.test.ts runs them against an SQS stand-in.
    [ENV.fastPollSeconds]: '0',
    [LAMBDA_ENV.tableName]: await dynalite.freshTable(),
    [LAMBDA_ENV.topicArn]: TOPIC_ARN,
    [LAMBDA_ENV.credentialsSecretId]: SECRET_ID,
  };
}

async function pollHandler(targets: readonly Target[], overrides: { env?: Record<string, string> } = {}) {
  const deps = pollDepsFromEnv(
    { ...(await lambdaEnv(targets)), ...overrides.env },
    { dynamoDb: dynalite.client, sns, eventBridge, secretsManager: secrets },
  );
  return createPollHandler(deps);
}

function lambdaContext(remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'GeminiDbJobWatcher-Poll',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:123456789012:function:GeminiDbJobWatcher-Poll',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/GeminiDbJobWatcher-Poll',
    logStreamName: '2025/01/01/[$LATEST]abc',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The EMF records written so far: metric name to `{ value, dimensions }` entries. */
function emfRecords(): {
  metrics: Record<string, unknown>;
  dimensions: Record<string, string>;
  /** The `target` property (never a dimension), when the document is one target's. */
  target?: string;
}[] {
  return output
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line))
    .map((record) => {
      const [directive] = record._aws.CloudWatchMetrics;
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      const dimensionNames: string[] = directive.Dimensions[0];
      const metricNames: string[] = directive.Metrics.map((metric: { Name: string }) => metric.Name);
      return {
        metrics: Object.fromEntries(metricNames.map((name) => [name, record[name]])),
        dimensions: Object.fromEntries(dimensionNames.map((name) => [name, record[name]])),
        ...(typeof record.target === 'string' ? { target: record.target } : {}),
      };
    });
}

const target = (t: Target) => `${t.region}/${t.projectId}`;

describe('poll handler', () => {
  it('records a silent baseline, then publishes a transition to the topic with its attributes', async () => {
    const watched = freshTarget();
    const job = simulator.addJob(watched.projectId, { name: 'BackupInstance', start_time: minutesAgo(3) });
    const handler = await pollHandler([watched]);

    const baseline: PollSummary = await handler({}, lambdaContext());
    expect(baseline).toMatchObject({ targets: 1, succeeded: 1, failed: [], published: 0 });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);

    simulator.updateJob(watched.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
    const next: PollSummary = await handler({}, lambdaContext());
    expect(next).toMatchObject({ succeeded: 1, published: 1, pendingLeft: 0, transitions: { completed: 1 } });
    const calls = snsMock.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC_ARN);
    expect(input?.MessageAttributes?.type?.StringValue).toBe('com.huaweicloud.geminidb.job.completed');
    expect(input?.MessageAttributes?.job_name?.StringValue).toBe('BackupInstance');
    const event = JSON.parse(JSON.parse(input?.Message ?? '{}').default);
    expect(event).toMatchObject({
      subject: job.id,
      source: `geminidb-job-watcher/${REGION}/${watched.projectId}`,
    });
  });

  it('publishes each transition to the event bus as well when WATCHER_EVENT_BUS names one', async () => {
    const watched = freshTarget();
    const job = simulator.addJob(watched.projectId, { name: 'BackupInstance', start_time: minutesAgo(3) });
    const handler = await pollHandler([watched], { env: { [LAMBDA_ENV.eventBus]: 'geminidb-jobs' } });
    await handler({}, lambdaContext());
    simulator.updateJob(watched.projectId, job.id, {
      status: 'Failed',
      progress: '',
      end_time: minutesAgo(0),
    });

    const summary: PollSummary = await handler({}, lambdaContext());
    expect(summary).toMatchObject({ published: 1, pendingLeft: 0 });
    const entries = eventBridgeMock
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      Source: 'geminidb-job-watcher',
      DetailType: 'com.huaweicloud.geminidb.job.failed',
      EventBusName: 'geminidb-jobs',
    });
    const sent = JSON.parse(
      JSON.parse(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}').default,
    );
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toEqual(sent);
  });

  it('keeps polling the other targets when one fails, and reports the failure instead of throwing', async () => {
    const healthy = freshTarget();
    const missing: Target = { region: REGION, projectId: 'not-simulated', endpoint: simulator.url ?? '' };
    simulator.addJob(healthy.projectId, { name: 'RestartInstance', start_time: minutesAgo(1) });
    const handler = await pollHandler([missing, healthy]);

    const summary: PollSummary = await handler({}, lambdaContext());
    expect(summary.succeeded).toBe(1);
    expect(summary.failed).toEqual([{ target: target(missing), error: expect.stringContaining('404') }]);
    const failedMetric = emfRecords().find((record) => record.target === target(missing));
    expect(failedMetric?.dimensions).toEqual({ service: 'geminidb-job-watcher' });
    expect(failedMetric?.metrics).toEqual({ TargetFailed: 1 });
    expect(output.join('')).toContain('"message":"target failed"');
  });

  it('throws when every target fails, so the invocation reaches the on-failure destination', async () => {
    const missing: Target = { region: REGION, projectId: 'not-simulated', endpoint: simulator.url ?? '' };
    const handler = await pollHandler([missing]);
    await expect(handler({}, lambdaContext())).rejects.toThrow(AllTargetsFailedError);
  });

  it('emits metrics without a target dimension: a busy poll its own EMF document naming the target, idle polls in the totals', async () => {
    const watched = freshTarget();
    simulator.addJob(watched.projectId, { name: 'BackupInstance', start_time: minutesAgo(2) });
    const handler = await pollHandler([watched]);
    await handler({}, lambdaContext());
    simulator.addJob(watched.projectId, { name: 'ResizeInstance', start_time: minutesAgo(0) });
    output = [];
    await handler({}, lambdaContext());

    const records = emfRecords();
    for (const record of records) expect(Object.keys(record.dimensions)).not.toContain('target');
    const perTarget = records.find((record) => record.target === target(watched));
    expect(perTarget?.dimensions).toEqual({ service: 'geminidb-job-watcher' });
    // Zeros are left out: a metric is billed only for the hours it is written.
    expect(perTarget?.metrics).toEqual({
      CycleSucceeded: 1,
      CycleDuration: expect.any(Number),
      ApiRequests: 1,
    });
    expect(records.find((record) => record.dimensions.type === 'started')?.metrics).toEqual({
      Transitions: 1,
    });
    const totals = records.find(
      (record) => record.target === undefined && 'CycleSucceeded' in record.metrics,
    );
    expect(totals?.dimensions).toEqual({ service: 'geminidb-job-watcher' });
    expect(totals?.metrics).toEqual({ CycleSucceeded: 0 });

    // An idle poll writes no document of its own: its figures are in the invocation's.
    output = [];
    await handler({}, lambdaContext());
    const idle = emfRecords();
    expect(idle).toHaveLength(1);
    expect(idle[0]?.metrics).toEqual({
      CycleSucceeded: 1,
      CycleDuration: expect.any(Number),
      ApiRequests: 1,
    });
  });

  it('leaves out a record that does not fit, logs one warning naming it, counts it, and goes on', async () => {
    const watched = freshTarget();
    const handler = await pollHandler([watched]);
    await handler({}, lambdaContext());
    const good = simulator.addJob(watched.projectId, { name: 'BackupInstance', start_time: minutesAgo(1) });
    const odd = simulator.addJob(watched.projectId, { name: 'RestartInstance', start_time: minutesAgo(1) });
    const jobs = simulator
      .jobs(watched.projectId)
      .map((job) => (job.id === odd.id ? { ...job, start_time: 'the day before yesterday' } : job));
    simulator.injectNext({ status: 200, body: JSON.stringify({ total_count: jobs.length, jobs }) });
    output = [];

    const summary: PollSummary = await handler({}, lambdaContext());
    expect(summary).toMatchObject({ succeeded: 1, failed: [], published: 1, transitions: { started: 1 } });
    const published = JSON.parse(
      JSON.parse(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}').default,
    );
    expect(published.subject).toBe(good.id);
    const warnings = output
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('left out job'))
      .map((line) => JSON.parse(line));
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: `target ${target(watched)}: left out job ${odd.id}: start_time: expected a time like 2023-09-12T06:44:01+0000, got "the day before yesterday" (it does not fit the jobs API document; the other jobs go on)`,
      }),
    ]);
    const perTarget = emfRecords().find((record) => record.target === target(watched));
    expect(perTarget?.metrics).toMatchObject({ SkippedRecords: 1 });
    expect(perTarget?.metrics).not.toHaveProperty('RecordFailures');
  });

  it('counts a refused publish in the metrics and leaves the event pending', async () => {
    const watched = freshTarget();
    const job = simulator.addJob(watched.projectId, { start_time: minutesAgo(2) });
    const handler = await pollHandler([watched]);
    await handler({}, lambdaContext());
    simulator.updateJob(watched.projectId, job.id, {
      status: 'Failed',
      progress: '',
      end_time: minutesAgo(0),
      fail_reason: 'disk full',
    });
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    output = [];

    const summary: PollSummary = await handler({}, lambdaContext());
    expect(summary).toMatchObject({ succeeded: 1, published: 0, pendingLeft: 1, publishErrors: 1 });
    const perTarget = emfRecords().find((record) => record.target === target(watched));
    expect(perTarget?.metrics).toEqual({
      CycleSucceeded: 1,
      CycleDuration: expect.any(Number),
      ApiRequests: 1,
      PendingEvents: 1,
      PublishFailures: 1,
    });
  });

  it('logs an idle invocation in one INFO summary line and one EMF document, whatever its targets', async () => {
    const targets = [freshTarget(), freshTarget(), freshTarget()];
    const handler = await pollHandler(targets);
    await handler({}, lambdaContext());
    output = [];
    await handler({}, lambdaContext());
    const lines = output.flatMap((chunk) => chunk.split('\n')).filter((line) => line !== '');
    const logLines = lines.filter((line) => !line.includes('"_aws"')).map((line) => JSON.parse(line));
    // The idle polls log at DEBUG, which the default INFO level drops: only the summary remains.
    expect(logLines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'poll finished',
        trigger: 'tick',
        targets: 3,
        polled: 3,
        succeeded: 3,
        apiRequests: 3,
        published: 0,
      }),
    ]);
    expect(lines.filter((line) => line.includes('"_aws"'))).toHaveLength(1);
  });

  it('starts no target when the invocation is about to time out', async () => {
    const watched = freshTarget();
    const handler = await pollHandler([watched]);
    const before = simulator.stats.requests;
    const summary: PollSummary = await handler({}, lambdaContext(5_000));
    expect(summary).toMatchObject({ succeeded: 0, failed: [], notStarted: [target(watched)] });
    expect(simulator.stats.requests).toBe(before);
  });

  it('reads the credentials secret once while it is cached, for every target', async () => {
    const handler = await pollHandler([freshTarget(), freshTarget(), freshTarget()]);
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('never writes the credentials to the logs, the metrics or the result', async () => {
    const watched = freshTarget();
    const missing: Target = { region: REGION, projectId: 'not-simulated', endpoint: simulator.url ?? '' };
    simulator.addJob(watched.projectId, { start_time: minutesAgo(1) });
    const handler = await pollHandler([watched, missing]);
    const summary = await handler({}, lambdaContext());
    expect(output.length).toBeGreaterThan(0);
    expect(output.join('')).not.toContain(TOKEN);
    expect(JSON.stringify(summary)).not.toContain(TOKEN);
  });

  it('fails each target with a message naming the fix when the secret is not a credentials document', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: `token=${TOKEN}` });
    const handler = await pollHandler([freshTarget()]);
    const failure = await handler({}, lambdaContext()).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(AllTargetsFailedError);
    expect((failure as Error).message).toContain('The Huawei credentials secret is not JSON');
    expect((failure as Error).message).not.toContain(TOKEN);
    expect(output.join('')).not.toContain(TOKEN);
  });
});

describe('poll handler, targets from the event', () => {
  /** The environment the stack sets: no target list, the simulator as the custom endpoint. */
  const eventOnly = () =>
    pollHandler([], {
      env: { [LAMBDA_ENV.allowedEndpoints]: JSON.stringify([simulator.url]), [ENV.announceBaseline]: 'true' },
    });

  it('polls the targets of the schedule input when the environment names none', async () => {
    const watched = [freshTarget(), freshTarget()];
    for (const { projectId } of watched) {
      simulator.addJob(projectId, { name: 'BackupInstance', start_time: minutesAgo(1) });
    }
    const handler = await eventOnly();

    const summary: PollSummary = await handler({ targets: watched }, lambdaContext());
    expect(summary).toMatchObject({ targets: 2, succeeded: 2, published: 2, transitions: { started: 2 } });
    const sources = snsMock
      .commandCalls(PublishCommand)
      .map((call) => JSON.parse(JSON.parse(call.args[0].input.Message ?? '{}').default).source);
    expect(sources.sort()).toEqual(
      watched.map((t) => `geminidb-job-watcher/${REGION}/${t.projectId}`).sort(),
    );
  });

  it('rejects a malformed targets payload naming the field, and polls nothing', async () => {
    const handler = await eventOnly();
    const before = simulator.stats.requests;
    const event = { targets: [freshTarget(), { region: REGION, projectId: 'no spaces allowed' }] };
    const failure = await handler(event, lambdaContext()).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(TargetsPayloadError);
    expect((failure as Error).message).toContain(
      'Invalid poll event: targets[1].projectId: must be a project id',
    );
    expect(simulator.stats.requests).toBe(before);
  });

  it('refuses an event target pointing at an endpoint the stack did not configure', async () => {
    const handler = await eventOnly();
    const event = { targets: [{ region: REGION, projectId: 'p1', endpoint: 'http://127.0.0.1:9/collect' }] };
    await expect(handler(event, lambdaContext())).rejects.toThrow(
      /targets\[0\]\.endpoint: http:\/\/127\.0\.0\.1:9\/collect is not an endpoint of the stack's targets/,
    );
  });

  it('fails an invocation with no targets in the event or the environment, naming both', async () => {
    const handler = await eventOnly();
    const failure = await handler({}, lambdaContext()).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(NoTargetsError);
    expect((failure as Error).message).toContain(
      'the invocation event has no "targets" field and WATCHER_TARGETS is not set',
    );
  });

  it('polls the targets fan-out messages carry and sends a malformed message to be retried', async () => {
    const watched = freshTarget();
    const handler = await eventOnly();
    const record = (messageId: string, body: string) => ({ messageId, body, eventSource: 'aws:sqs' });
    const event = {
      Records: [
        record('good', JSON.stringify({ targets: [watched] })),
        record('bad', JSON.stringify({ targets: ['ap-southeast-1/p1'] })),
      ],
    };
    const summary: PollSummary = await handler(event, lambdaContext());
    expect(summary).toMatchObject({
      targets: 1,
      succeeded: 1,
      batchItemFailures: [{ itemIdentifier: 'bad' }],
    });
    expect(output.join('')).toContain('targets[0]: Invalid input: expected object, received string');
  });
});

describe('pollDepsFromEnv', () => {
  it('names a missing variable the stack should have set', () => {
    const env = { [ENV.targets]: JSON.stringify([{ region: REGION, projectId: 'p1' }]) };
    expect(() => pollDepsFromEnv(env)).toThrow(
      new ConfigError('Invalid configuration: WATCHER_TABLE_NAME: is required (the stack sets it)'),
    );
  });

  it('reads settings without WATCHER_TARGETS, since the schedule input carries the targets', () => {
    const env = {
      [LAMBDA_ENV.tableName]: 't',
      [LAMBDA_ENV.topicArn]: TOPIC_ARN,
      [LAMBDA_ENV.credentialsSecretId]: SECRET_ID,
      [LAMBDA_ENV.allowedEndpoints]: '["https://gaussdb-nosql.example.com"]',
      [LAMBDA_ENV.subTickQueueUrl]: 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/sub-ticks',
    };
    const deps = pollDepsFromEnv(env);
    expect(deps.settings.targets).toEqual([]);
    expect(deps.allowedEndpoints).toEqual(['https://gaussdb-nosql.example.com']);
  });

  it.each([
    [undefined, /WATCHER_SUB_TICK_QUEUE_URL: is required while WATCHER_FAST_POLL_SECONDS is above 0/],
    ['not a url', /WATCHER_SUB_TICK_QUEUE_URL: must be an SQS queue URL such as https:\/\/sqs\./],
  ])('names a sub-tick queue URL %s while fast polling is on', (queueUrl, message) => {
    const env = {
      [ENV.targets]: JSON.stringify([{ region: REGION, projectId: 'p1' }]),
      [LAMBDA_ENV.tableName]: 't',
      [LAMBDA_ENV.topicArn]: TOPIC_ARN,
      [LAMBDA_ENV.credentialsSecretId]: SECRET_ID,
      ...(queueUrl === undefined ? {} : { [LAMBDA_ENV.subTickQueueUrl]: queueUrl }),
    };
    expect(() => pollDepsFromEnv(env)).toThrow(message);
    expect(pollDepsFromEnv({ ...env, [ENV.fastPollSeconds]: '0' }).subTicks).toBeUndefined();
  });

  it.each([
    [{}, ['sns']],
    [{ [LAMBDA_ENV.eventBus]: 'default' }, ['sns', 'eventbridge']],
    [
      { [LAMBDA_ENV.eventBus]: 'arn:aws:events:eu-west-1:123456789012:event-bus/jobs' },
      ['sns', 'eventbridge'],
    ],
  ])('adds the EventBridge sink only when the environment names a bus: %j', (extra, sinks) => {
    const env = {
      [LAMBDA_ENV.tableName]: 't',
      [LAMBDA_ENV.topicArn]: TOPIC_ARN,
      [LAMBDA_ENV.credentialsSecretId]: SECRET_ID,
      [LAMBDA_ENV.subTickQueueUrl]: 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/sub-ticks',
      ...extra,
    };
    expect(pollDepsFromEnv(env).publishers.map((publisher) => publisher.name)).toEqual(sinks);
  });

  it('names a bad event bus', () => {
    const env = {
      [LAMBDA_ENV.tableName]: 't',
      [LAMBDA_ENV.topicArn]: TOPIC_ARN,
      [LAMBDA_ENV.credentialsSecretId]: SECRET_ID,
      [LAMBDA_ENV.subTickQueueUrl]: 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/sub-ticks',
      [LAMBDA_ENV.eventBus]: 'arn:aws:sns:eu-west-1:123456789012:jobs',
    };
    expect(() => pollDepsFromEnv(env)).toThrow(
      /^Invalid configuration: WATCHER_EVENT_BUS: "arn:aws:sns:eu-west-1:123456789012:jobs" is not an event bus name/,
    );
  });

  it('names a bad list of allowed endpoints', () => {
    const env = { [LAMBDA_ENV.allowedEndpoints]: '["not a url"]' };
    expect(() => pollDepsFromEnv(env)).toThrow(
      /^Invalid configuration: WATCHER_ALLOWED_ENDPOINTS: must be a JSON array of endpoint URLs/,
    );
  });

  it('names a bad secret cache age', () => {
    const env = {
      [ENV.targets]: JSON.stringify([{ region: REGION, projectId: 'p1' }]),
      [LAMBDA_ENV.tableName]: 't',
      [LAMBDA_ENV.topicArn]: TOPIC_ARN,
      [LAMBDA_ENV.credentialsSecretId]: SECRET_ID,
      [LAMBDA_ENV.secretMaxAgeSeconds]: 'soon',
    };
    expect(() => pollDepsFromEnv(env)).toThrow(
      new ConfigError(
        'Invalid configuration: WATCHER_SECRET_MAX_AGE_SECONDS: must be a positive number, got "soon"',
      ),
    );
  });
});
