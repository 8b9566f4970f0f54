import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_CONFIG_FILE, loadWatcherConfig } from '../../infra/config';
import { JobWatcherPropsError } from '../../infra/job-watcher';
import { ENV } from '../../shared/config';
import { LAMBDA_ENV } from '../../shared/contract';
import { acknowledgements, FULL_CONFIG, MINIMAL_CONFIG, NO_BUNDLING, watcherApp } from './support';

/** Variants of the stack, synthesized without bundling (the bundle is covered in watcher-stack.test.ts). */
const variant = (config: unknown) => watcherApp(config, NO_BUNDLING);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('JobWatcher cdk-nag acknowledgements', () => {
  it('each silences a finding that appears when the acknowledgements are left out', () => {
    const acknowledged = acknowledgements(variant(FULL_CONFIG).app);
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
    const { app } = variant(FULL_CONFIG);
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath}`),
      );
    expect(findings.sort()).toEqual(acknowledged.map(({ id, path }) => `${id} ${path}/Resource`).sort());
  });
});

describe('JobWatcher credentials secret', () => {
  it('uses an existing secret by name, scoped to the ARNs that name can have, and creates none', () => {
    const { app, stack } = variant({ ...MINIMAL_CONFIG, credentialsSecret: 'geminidb/huawei' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [LAMBDA_ENV.credentialsSecretId]: 'geminidb/huawei' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':secret:geminidb/huawei-??????',
                ],
              ],
            },
          },
        ]),
      },
    });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('uses an existing secret by complete ARN as given', () => {
    const arn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:geminidb/huawei-AbCdEf';
    const { stack } = variant({ ...MINIMAL_CONFIG, credentialsSecret: arn });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [LAMBDA_ENV.credentialsSecretId]: arn }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: arn }),
        ]),
      },
    });
  });
});

describe('JobWatcher without subscriptions', () => {
  it('creates no queue key, no delivery queues and no subscriptions, and alarms on what remains', () => {
    const { app, stack } = variant(MINIMAL_CONFIG);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    // The failure queue and the sub-tick queue.
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    // Poll errors, targets failing, heartbeat, failure queue, delivery failures: none per target.
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length).toBe(5);
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'AlarmTopicArn',
      'CredentialsSecret',
      'CycleRecordedWithinSeconds',
      'DashboardName',
      'DashboardUrl',
      'FailureQueueUrl',
      'PollFunctionName',
      'PollLogGroupName',
      'TableName',
      'Targets',
      'TopicArn',
    ]);
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

/** What the function's environment weighs as Lambda counts it: keys and values, a resolved reference at most 256. */
function environmentBytes(variables: Record<string, unknown>): number {
  return Object.entries(variables).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 256),
    0,
  );
}

describe('JobWatcher targets', () => {
  const EU_ENDPOINT = 'https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu';
  const hundred = Array.from({ length: 100 }, (_, index) => ({
    region: index % 10 === 0 ? 'eu-west-101' : 'ap-southeast-1',
    projectId: `0549b4a43100d4f32f51c01c2fe4a${String(index).padStart(3, '0')}`,
    ...(index % 10 === 0 ? { endpoint: EU_ENDPOINT } : {}),
  }));
  let template: Template;
  let variables: Record<string, unknown>;
  beforeAll(() => {
    template = Template.fromStack(variant({ targets: hundred }).stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    variables = fn?.Properties.Environment.Variables;
  });

  it('sends a hundred targets in the schedule input, not in the function environment', () => {
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(JSON.parse(schedule?.Properties.Target.Input as string)).toEqual({ targets: hundred });
    expect(variables).not.toHaveProperty(ENV.targets);
    expect(variables[LAMBDA_ENV.allowedEndpoints]).toBe(JSON.stringify([EU_ENDPOINT]));
  });

  it('keeps the function environment under the 4 KB Lambda allows with a hundred targets', () => {
    expect(environmentBytes(variables)).toBeLessThan(4096);
    // The same as with one target and no custom endpoint, but for the allowed endpoints.
    const one = Template.fromStack(variant(MINIMAL_CONFIG).stack);
    const [single] = Object.values(one.findResources('AWS::Lambda::Function'));
    const { [LAMBDA_ENV.allowedEndpoints]: _allowed, ...rest } = variables;
    expect(single?.Properties.Environment.Variables).toEqual(rest);
  });
});

describe('JobWatcher poll rate', () => {
  it('schedules the configured rate and widens the heartbeat window to two polls', () => {
    const { stack } = variant({ ...MINIMAL_CONFIG, pollRateMinutes: 5 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.scheduleSeconds]: '300' }) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CycleSucceeded', Period: 600 });
  });

  it('refuses a lease shorter than the function timeout', () => {
    expect(() => variant({ ...MINIMAL_CONFIG, leaseSeconds: 30 })).toThrow(
      new JobWatcherPropsError(
        'leaseSeconds (30) is shorter than the poll function timeout (60 s): raise leaseSeconds to at least 60 or lower timeout',
      ),
    );
  });
});

describe('the shipped example config', () => {
  it('synthesizes with every feature and no cdk-nag finding', () => {
    const { app, stack } = watcherApp(loadWatcherConfig(EXAMPLE_CONFIG_FILE), NO_BUNDLING);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      FilterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'], job_name: ['BackupInstance'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'dba-team@example.com',
      FilterPolicy: {
        type: ['com.huaweicloud.geminidb.job.failed', 'com.huaweicloud.geminidb.job.stalled'],
      },
    });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

describe('JobWatcher emails', () => {
  it('puts the filter policy on a filtered address and none on a plain one', () => {
    const template = Template.fromStack(
      variant({
        ...MINIMAL_CONFIG,
        emails: [
          'all@example.com',
          {
            address: 'failures@example.com',
            filterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'] },
          },
          { address: 'unfiltered@example.com' },
        ],
      }).stack,
    );
    const emails = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } }),
    ).map((resource) => resource.Properties as { Endpoint: string; FilterPolicy?: unknown });
    expect(
      Object.fromEntries(emails.map((email) => [email.Endpoint, email.FilterPolicy ?? 'every event'])),
    ).toEqual({
      'all@example.com': 'every event',
      'failures@example.com': { type: ['com.huaweicloud.geminidb.job.failed'] },
      'unfiltered@example.com': 'every event',
    });
  });
});
