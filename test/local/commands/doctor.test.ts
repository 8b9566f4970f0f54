import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheck, parseDoctorCommand } from '../../../local/commands/doctor';
import { createSimulator, type Simulator } from '../../../local/simulator/server';
import { UsageError } from '../../../local/specs';
import { createTokenAuthenticator } from '../../../shared/auth/token';
import { pollTarget } from '../../../shared/cycle/cycle';
import { createJobsClient } from '../../../shared/jobs/http-client';
import { StackOutput } from '../../../shared/stack-outputs';
import { DynamoDbTaskStore } from '../../../shared/store/dynamodb-store';
import type { Target } from '../../../shared/target';
import { type AwsStandIns, DUMMY_AWS_ENV, startAwsStandIns } from '../../support/aws';
import { runCli } from '../../support/cli';
import { collectingPublisher } from '../../support/collecting-publisher';
import { useDynalite } from '../../support/dynalite';
import { TEST_OPTIONS } from '../../support/watcher-world';

const PROJECT_ID = '0549b4a43100d4f32f51c01c2fe4acdb';
const TOKEN = 'doctor-token';
const TOPIC_ARN = 'arn:aws:sns:ap-southeast-1:123456789012:geminidb-job-events';
const dynalite = useDynalite();
let aws: AwsStandIns;
let simulator: Simulator;
let target: Target;
let tableName: string;

beforeAll(async () => {
  aws = await startAwsStandIns();
  simulator = createSimulator({ seed: 3, token: TOKEN, projectIds: [PROJECT_ID], jobsPerMinute: 0 });
  simulator.pause();
  await simulator.listen(0);
  target = { region: 'ap-southeast-1', projectId: PROJECT_ID, endpoint: simulator.url ?? '' };
  tableName = await dynalite.freshTable();
  // One real cycle (the baseline) records the target's cursor, as the deployed poll function would.
  const store = new DynamoDbTaskStore({ tableName, client: dynalite.client });
  const api = createJobsClient({
    ...target,
    endpoint: target.endpoint ?? '',
    auth: createTokenAuthenticator(TOKEN),
  });
  await pollTarget({ store, api, publishers: [collectingPublisher()], options: TEST_OPTIONS }, target);
});
afterAll(async () => {
  await simulator?.close();
  await aws?.close();
});

/** The outputs of a deployed stack with a relay and a webhook, its resources on the stand-ins. */
function deploy(stackName: string, credentials: Record<string, string>): Record<string, string> {
  const outputs = {
    [StackOutput.topicArn]: TOPIC_ARN,
    [StackOutput.tableName]: tableName,
    [StackOutput.credentialsSecret]: aws.secretsManager.putSecret(
      `${stackName}/huawei`,
      JSON.stringify(credentials),
    ).arn,
    [StackOutput.targets]: JSON.stringify([target]),
    [StackOutput.cycleRecordedWithinSeconds]: '3720',
    [StackOutput.pollLogGroupName]: `/aws/lambda/${stackName}-PollLogs`,
    [StackOutput.failureQueueUrl]: aws.sqs.queueUrl(`${stackName}-failures`),
    [StackOutput.deliveryDeadLetterQueueUrl]: aws.sqs.queueUrl(`${stackName}-delivery-dlq`),
    [StackOutput.relayDeadLetterQueueUrl]: aws.sqs.queueUrl(`${stackName}-relay-dlq`),
    [StackOutput.relayDestinations]: 'ops-slack',
    [StackOutput.relaySecret]: aws.secretsManager.putSecret(
      `${stackName}/relay`,
      JSON.stringify({ destinations: { 'ops-slack': { url: 'https://hooks.slack.com/services/T0/B0/x' } } }),
    ).arn,
  };
  aws.cloudFormation.putStack(stackName, outputs);
  return outputs;
}

const doctor = (args: readonly string[]) =>
  runCli(['doctor', ...args], { ...aws.env, AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint });

describe('doctor', () => {
  it('says every check holds for a healthy deployment, sends the test event, and exits 0', async () => {
    deploy('Healthy', { HUAWEICLOUD_AUTH_TOKEN: TOKEN });
    aws.sns.addSubscription({ topicArn: TOPIC_ARN, protocol: 'email', endpoint: 'dba@example.com' });
    aws.sns.addSubscription({
      topicArn: TOPIC_ARN,
      protocol: 'https',
      endpoint: 'https://hooks.example.com/all',
    });
    const published = aws.sns.published.length;

    const run = await doctor(['--stack', 'Healthy', '--region', 'ap-southeast-1', '--send-test']);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.replace(/\d+ s ago|event [0-9a-f-]{36}|\d+ job/g, '…'))).toEqual([
      '✓ stack Healthy: 1 target(s), 11 outputs',
      '✓ credentials secret holds token (static HUAWEICLOUD_AUTH_TOKEN) for every target',
      `✓ target ap-southeast-1/${PROJECT_ID}: the jobs API answers (…(s) in the last hour)`,
      '✓ email subscription dba@example.com is confirmed',
      '✓ https subscription https://hooks.example.com/all is confirmed',
      `✓ target ap-southeast-1/${PROJECT_ID}: last recorded cycle … ago`.replace('… ago', '…'),
      '✓ failure queue (failed poll invocations) is empty',
      '✓ delivery dead-letter queue (SNS to webhooks and the queue) is empty',
      '✓ relay dead-letter queue (undelivered chat and webhook events) is empty',
      '✓ relay secret names every destination (ops-slack)',
      `✓ sent test … (com.huaweicloud.geminidb.job.completed, job WatcherTestEvent) to sns ${TOPIC_ARN}: every subscriber should now have it`,
      'doctor: all 11 checks hold',
    ]);
    expect(run.code).toBe(0);
    expect(aws.sns.published.slice(published)).toHaveLength(1);
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('names each broken part with its fix and exits 1: an empty secret, an unconfirmed email, a dead letter', async () => {
    const outputs = deploy('Broken', { HUAWEICLOUD_SDK_AK: '', HUAWEICLOUD_SDK_SK: '' });
    const topicArn = `${TOPIC_ARN}-broken`;
    outputs[StackOutput.topicArn] = topicArn;
    aws.cloudFormation.putStack('Broken', outputs);
    aws.sns.addSubscription({ topicArn, protocol: 'email', endpoint: 'dba@example.com', confirmed: false });
    const sqs = new SQSClient({
      endpoint: aws.sqs.url,
      region: DUMMY_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: 'AKIA0', secretAccessKey: 's' },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: outputs[StackOutput.relayDeadLetterQueueUrl],
        MessageBody: '{"failed":true}',
      }),
    );
    sqs.destroy();

    const run = await doctor(['--stack', 'Broken', '--region', 'ap-southeast-1']);
    const failed = run.stdout.split('\n').filter((line) => line.startsWith('✗'));
    expect(failed).toEqual([
      expect.stringMatching(
        /^✗ credentials secret, for ap-southeast-1\/\w+: AuthConfigError: No Huawei Cloud credentials are configured: .* — fix: put the credentials: aws secretsmanager put-secret-value --secret-id arn:aws:secretsmanager:\S+:secret:Broken\/huawei-\w+ --secret-string/,
      ),
      expect.stringMatching(
        /^✗ target ap-southeast-1\/\w+: jobs API not asked: no complete credentials for it — fix: fix the credentials secret first$/,
      ),
      expect.stringMatching(
        /^✗ email subscription dba@example.com is not confirmed \(PendingConfirmation\) — fix: click the link in the mail .* aws sns subscribe --topic-arn \S+-broken --protocol email --notification-endpoint dba@example.com\)$/,
      ),
      expect.stringMatching(
        /^✗ relay dead-letter queue \(undelivered chat and webhook events\) holds 1 message\(s\) — fix: read why: aws sqs receive-message --queue-url \S+Broken-relay-dlq/,
      ),
    ]);
    expect(run.stdout).toMatch(/\ndoctor: 4 of 9 checks failed\n$/);
    expect(run.code).toBe(1);
  });

  it('says which stack it cannot read and how to point it at the right one', async () => {
    const run = await doctor(['--stack', 'Nowhere', '--region', 'ap-southeast-1']);
    expect(run.stdout).toBe(
      '✗ cannot read stack Nowhere: ValidationError: Stack with id Nowhere does not exist — fix: pass --stack NAME and --region REGION of the deployed stack, with AWS credentials that may cloudformation:DescribeStacks\n',
    );
    expect(run.code).toBe(1);
  });
});

describe('parseDoctorCommand', () => {
  it('defaults to the stack cdk deploy creates, the SDK region chain and no test event', () => {
    expect(parseDoctorCommand([])).toEqual({
      stackName: 'GeminiDbJobWatcher',
      region: undefined,
      sendTest: false,
    });
    expect(parseDoctorCommand(['--stack', 'Prod', '--region', 'eu-west-1', '--send-test'])).toEqual({
      stackName: 'Prod',
      region: 'eu-west-1',
      sendTest: true,
    });
  });

  it('refuses an unknown flag with a usage error', () => {
    expect(() => parseDoctorCommand(['--stak', 'X'])).toThrow(UsageError);
    expect(() => parseDoctorCommand(['--stak', 'X'])).toThrow(
      /^doctor: Unknown option '--stak'.*; see --help$/,
    );
  });

  it('writes a failing check with its fix on one line', () => {
    expect(formatCheck({ ok: false, text: 'x is broken', fix: 'mend x' })).toBe(
      '✗ x is broken — fix: mend x',
    );
    expect(formatCheck({ ok: true, text: 'y holds' })).toBe('✓ y holds');
  });
});
