import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { targetsForEvent } from '../../functions/poll-targets';
import { bundleSizes } from '../../infra/bundle-report';
import { SECRET_INSTRUCTIONS, TABLE_ACTIONS } from '../../infra/job-watcher';
import type { WatcherStack } from '../../infra/watcher-stack';
import { ENV, lambdaSettingsFromEnv } from '../../shared/config';
import { LAMBDA_ENV, METRICS_NAMESPACE, MetricName } from '../../shared/contract';
import { TableKeys, TTL_ATTRIBUTE } from '../../shared/store/table';
import { acknowledgements, FULL_CONFIG, watcherApp } from './support';

/** One synthesized app (with the real bundle) shared by the file's tests. */
let app: App;
let stack: WatcherStack;
let template: Template;
let assemblyDir: string;

/**
 * The one synth of the suite that bundles with esbuild and runs CloudFormation's validator (a WASM
 * module): about 8 s alone on a 2-core machine, over 20 s when that machine is loaded, so the hook
 * gets far more than three times that.
 */
const BUNDLED_SYNTH_TIMEOUT_MS = 180_000;

beforeAll(() => {
  ({ app, stack } = watcherApp(FULL_CONFIG));
  // Runs the cdk-nag plugin and CloudFormation validation; throws on any unacknowledged error.
  assemblyDir = app.synth().directory;
  template = Template.fromStack(stack);
  // A bundled synth with CloudFormation validation: over 20 s on a loaded 2-core machine.
}, BUNDLED_SYNTH_TIMEOUT_MS);

const ref = (logicalIdPrefix: string) => ({ Ref: Match.stringLikeRegexp(`^${logicalIdPrefix}`) });
/** The same as {@link ref}, for vitest's own matchers. */
const refTo = (logicalIdPrefix: string) => ({ Ref: expect.stringMatching(`^${logicalIdPrefix}`) });
const arnOf = (logicalIdPrefix: string) => ({
  'Fn::GetAtt': [Match.stringLikeRegexp(`^${logicalIdPrefix}`), 'Arn'],
});

function functionEnvironment(): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return fn?.Properties.Environment.Variables;
}

describe('WatcherStack schedule and function', () => {
  it('invokes the poll function on an EventBridge Scheduler rate from the config, without retries', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: {
        Arn: arnOf('WatcherPollFunction'),
        RoleArn: arnOf('WatcherScheduleRole'),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('runs the poll function on nodejs24.x and ARM64 with the settings as environment variables', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      LoggingConfig: { LogGroup: ref('WatcherPollLogs') },
    });
    const env = functionEnvironment();
    expect(env).toMatchObject({
      [LAMBDA_ENV.tableName]: refTo('WatcherTable'),
      [LAMBDA_ENV.topicArn]: refTo('WatcherTopic'),
      [LAMBDA_ENV.credentialsSecretId]: refTo('WatcherCredentialsSecret'),
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('passes the targets in the schedule input and the other settings in the environment', () => {
    const env = functionEnvironment();
    const plain = Object.fromEntries(
      [...Object.values(ENV), LAMBDA_ENV.allowedEndpoints].map((name) => [
        name,
        typeof env[name] === 'string' ? (env[name] as string) : undefined,
      ]),
    );
    expect(plain[ENV.targets]).toBeUndefined();
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    const input = JSON.parse(schedule?.Properties.Target.Input as string);
    expect(input).toEqual({ targets: FULL_CONFIG.targets });
    // The function accepts the input's custom endpoint because the environment allows it.
    const { targets } = targetsForEvent(input, {
      configured: [],
      allowedEndpoints: JSON.parse(plain[LAMBDA_ENV.allowedEndpoints] ?? '[]'),
    });
    expect(targets).toEqual(FULL_CONFIG.targets);
    const settings = lambdaSettingsFromEnv(plain);
    expect(settings.targets).toEqual([]);
    expect(settings).toMatchObject({
      progressStepPercent: 25,
      stalledAfterSeconds: { BackupInstance: 3600, '*': 7200 },
      announceBaseline: false,
      leaseSeconds: 120,
      scheduleSeconds: 60,
    });
  });

  it('puts no credential variable into the environment or the template', () => {
    const env = functionEnvironment();
    expect(Object.keys(env).filter((name) => name.startsWith('HUAWEICLOUD_'))).toEqual([]);
    const secret = Object.values(template.findResources('AWS::SecretsManager::Secret'))[0];
    expect(secret?.Properties).toEqual({
      Description: SECRET_INSTRUCTIONS,
      SecretString: '{"HUAWEICLOUD_SDK_AK":"","HUAWEICLOUD_SDK_SK":""}',
    });
  });

  it('sends failed invocations to the failure queue and does not retry them', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: arnOf('WatcherFailureQueue') } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  it('keeps the function logs in a log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('WatcherStack table', () => {
  it('is on demand with the store key schema, TTL, point-in-time recovery, and retained on deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TableKeys.partition, KeyType: 'HASH' },
          { AttributeName: TableKeys.sort, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: TableKeys.partition, AttributeType: 'S' },
          { AttributeName: TableKeys.sort, AttributeType: 'S' },
        ],
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });
});

describe('WatcherStack topic', () => {
  it('encrypts both topics with a rotating KMS key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'GeminiDB job events',
      KmsMasterKeyId: arnOf('WatcherKey'),
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'GeminiDB job watcher alarms',
      KmsMasterKeyId: arnOf('WatcherKey'),
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: 'Encrypts the GeminiDB job watcher topics',
    });
  });

  it('lets the publisher role and CloudWatch alarms use the topic key in its key policy', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the GeminiDB job watcher topics',
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
          Match.objectLike({
            Sid: 'AllowWatcherToPublish',
            Principal: { AWS: arnOf('WatcherPollRole') },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });

  it('denies publishing without TLS on both topics', () => {
    const policies = template.findResources('AWS::SNS::TopicPolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(2);
  });

  it('subscribes the configured email and HTTPS endpoints, with raw delivery and filter policies as configured', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'dba@example.com',
      TopicArn: ref('WatcherTopic'),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/all',
      RawMessageDelivery: false,
      FilterPolicy: Match.absent(),
      RedrivePolicy: { deadLetterTargetArn: arnOf('WatcherDeliveryDeadLetterQueue') },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/failures',
      RawMessageDelivery: true,
      FilterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: ref('WatcherAlarmTopic'),
    });
  });

  it('subscribes the encrypted automation queue with its filter policy and raw delivery', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: arnOf('WatcherQueue9'),
      RawMessageDelivery: true,
      FilterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'], job_name: ['BackupInstance'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: arnOf('WatcherQueueKey'),
      RedrivePolicy: { deadLetterTargetArn: arnOf('WatcherQueueDeadLetterQueue'), maxReceiveCount: 5 },
    });
  });

  it('lets SNS use the queue key for this topic only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the GeminiDB job watcher queues that SNS delivers to',
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': ref('WatcherTopic') } },
          }),
        ]),
      },
    });
  });

  it('outputs the topic ARN, the queue URL and the table name', () => {
    template.hasOutput('TopicArn', { Value: ref('WatcherTopic') });
    template.hasOutput('QueueUrl', { Value: ref('WatcherQueue9') });
    template.hasOutput('TableName', { Value: ref('WatcherTable') });
  });
});

describe('WatcherStack permissions', () => {
  it('grants the poll role only the table, topic, key, secret, log group, failure and sub-tick queue it uses', () => {
    const policy = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [ref('WatcherPollRole')] },
      }),
    )[0];
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOfResolved(policy, 'WatcherPollLogs'),
      },
      { Action: [...TABLE_ACTIONS].sort(), Effect: 'Allow', Resource: arnOfResolved(policy, 'WatcherTable') },
      {
        Action: 'sns:Publish',
        Effect: 'Allow',
        Resource: { Ref: logicalId('AWS::SNS::Topic', 'GeminiDB job events') },
      },
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: arnOfResolved(policy, 'WatcherKey8'),
      },
      {
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Effect: 'Allow',
        Resource: { Ref: onlyLogicalId('AWS::SecretsManager::Secret') },
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: arnOfResolved(policy, 'WatcherFailureQueue'),
      },
      {
        // Consuming it (the event source mapping) and sending sub-ticks to it.
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
        Effect: 'Allow',
        Resource: arnOfResolved(policy, 'WatcherSubTickQueue'),
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('lets the scheduler invoke only the poll function', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref('WatcherScheduleRole')],
      PolicyDocument: {
        Statement: [
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: arnOf('WatcherPollFunction') },
        ],
      },
    });
  });
});

describe('WatcherStack alarms and dashboard', () => {
  it('alarms on poll errors, targets failing, a missing heartbeat, each dead-letter queue and SNS delivery failures', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(
      Object.keys(alarms)
        .map((id) => id.replace(/^Watcher|[0-9A-F]{8}$/g, ''))
        .sort(),
    ).toEqual([
      'DeliveryDeadLetterQueueNotEmptyAlarm',
      'DeliveryFailuresAlarm',
      'FailureQueueNotEmptyAlarm',
      'HeartbeatAlarm',
      'PollErrorsAlarm',
      'QueueDeadLetterQueueNotEmptyAlarm',
      'TargetsFailingAlarm',
    ]);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([refTo('WatcherAlarmTopic')]);
      expect(alarm.Properties.OKActions).toEqual([refTo('WatcherAlarmTopic')]);
    }
  });

  it('fires the heartbeat alarm when no cycle succeeded for 5 minutes, missing data included', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: MetricName.CycleSucceeded,
      Dimensions: [{ Name: 'service', Value: 'geminidb-job-watcher' }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms once on failing targets, with no target dimension, naming the saved query that lists them', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: MetricName.TargetFailed,
      Dimensions: [{ Name: 'service', Value: 'geminidb-job-watcher' }],
      Statistic: 'Sum',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp(
        'saved Logs Insights query "geminidb-job-watcher/failing-targets-',
      ),
    });
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: Match.stringLikeRegexp('^geminidb-job-watcher/failing-targets-'),
      QueryString: Match.stringLikeRegexp('by target'),
      LogGroupNames: [ref('WatcherPollLogs')],
    });
  });

  it('adds invocation errors and publish failures in the poll errors alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'FILL(invocationErrors, 0) + FILL(publishFailures, 0)',
        }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Errors' }) }),
        }),
      ]),
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [
        {
          Name: 'TopicName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherTopic'), 'TopicName'] },
        },
      ],
    });
  });

  it('draws transitions by type, duration, API requests, errors and, through Logs Insights, failures per target', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const text of [
      'Transitions by type',
      MetricName.Transitions,
      MetricName.CycleDuration,
      MetricName.ApiRequests,
      MetricName.TargetFailed,
      'Failures per target',
      'stats sum(TargetFailed) as failures',
      'status_changed',
    ]) {
      expect(body).toContain(text);
    }
    // The widgets do not grow with the targets: no target is named on the dashboard.
    expect(body).not.toContain('0549b4a43100d4f32f51c01c2fe4acdb');
  });
});

describe('WatcherStack bundle', () => {
  it('bundles the poll function as minified ESM with a source map, its AWS SDK clients split into chunks loaded when first used', () => {
    const [size] = bundleSizes(assemblyDir);
    expect(size).toBeDefined();
    const code = readFileSync(join(assemblyDir, size?.asset ?? '', 'index.mjs'), 'utf8');
    const chunksDir = join(assemblyDir, size?.asset ?? '', 'chunks');
    const chunks = readdirSync(chunksDir)
      .filter((name) => name.endsWith('.mjs'))
      .map((name) => readFileSync(join(chunksDir, name), 'utf8'))
      .join('\n');
    // Tree-shaken into the bundle (it loads faster than the runtime's copy: bench, bundle.variants).
    expect(`${code}${chunks}`).not.toMatch(/from"@aws-sdk\//);
    // The SQS, SNS, EventBridge and Secrets Manager clients (their wire target prefixes) are in
    // chunks the entry imports dynamically only; DynamoDB, which every poll uses, is in the entry.
    for (const client of [
      'AmazonSQS',
      'AmazonSimpleNotificationService',
      'AWSEvents',
      'GetSecretValueRequest',
    ]) {
      expect(chunks).toContain(client);
      expect(code).not.toContain(client);
    }
    expect(code).toContain('DynamoDB_20120810');
    expect(code).toMatch(/import\("\.\/chunks\/[^"]+\.mjs"\)/);
    // Minified: long lines (the few short ones are the banner and multi-line template literals).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(size?.sourceMapBytes).toBeGreaterThan(0);
    expect(size?.codeBytes).toBeLessThan(1024 * 1024);
  });

  it('bundles zod/mini only: classic zod (96.8 KiB of the bundle before) stays out', () => {
    const [size] = bundleSizes(assemblyDir);
    const map = JSON.parse(readFileSync(join(assemblyDir, size?.asset ?? '', 'index.mjs.map'), 'utf8')) as {
      sources: string[];
    };
    const zodSources = map.sources.filter((source) => source.includes('node_modules/zod/'));
    expect(zodSources.some((source) => source.includes('/v4/mini/'))).toBe(true);
    expect(zodSources.filter((source) => source.includes('/v4/classic/'))).toEqual([]);
  });
});

describe('WatcherStack cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding and no CDK error or warning annotation', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges each finding on its own resource with the rule id and a reason', () => {
    expect(acknowledgements(app).map(({ path, id }) => `${id} ${path}`)).toEqual([
      'AwsSolutions-SMG4 GeminiDbJobWatcher/Watcher/CredentialsSecret',
      'AwsSolutions-SQS3 GeminiDbJobWatcher/Watcher/FailureQueue',
      'AwsSolutions-SQS3 GeminiDbJobWatcher/Watcher/DeliveryDeadLetterQueue',
      'AwsSolutions-SQS3 GeminiDbJobWatcher/Watcher/SubTickQueue',
    ]);
    for (const { reason } of acknowledgements(app)) expect(reason.length).toBeGreaterThan(80);
  });
});

function logicalId(type: string, displayName: string): string {
  const found = Object.entries(template.findResources(type, { Properties: { DisplayName: displayName } }));
  expect(found).toHaveLength(1);
  return found[0]?.[0] ?? '';
}

function onlyLogicalId(type: string): string {
  const found = Object.keys(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] ?? '';
}

/** The exact `Fn::GetAtt [id, Arn]` in a policy whose logical id starts with the prefix. */
function arnOfResolved(policy: unknown, prefix: string): unknown {
  const text = JSON.stringify(policy);
  const id = new RegExp(`"(${prefix}[A-Za-z0-9]*)"`).exec(text)?.[1];
  return { 'Fn::GetAtt': [id, 'Arn'] };
}
