import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { HardeningPropsError } from '../../infra/hardening';
import { JobWatcher } from '../../infra/job-watcher';
import {
  FULL_CONFIG,
  HARDENED_FULL_CONFIG,
  MINIMAL_CONFIG,
  NO_BUNDLING,
  HARDENED_VPC as VPC,
  watcherApp,
} from './support';

const storageKeyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherStorageKey'), 'Arn'] };

/** Synthesizing loads most of aws-cdk-lib: generous on a loaded machine. */
const SYNTH_TIMEOUT_MS = 120_000;

let app: App;
let template: Template;
beforeAll(() => {
  ({ app } = watcherApp(HARDENED_FULL_CONFIG, NO_BUNDLING));
  template = Template.fromStack(app.node.findAll().find((c) => c instanceof Stack) as Stack);
}, SYNTH_TIMEOUT_MS);

function propertiesOf(type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [id, resource.Properties]);
}

describe('hardenWatcher', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('keeps every log group a year or more, encrypted with the storage key (CT.CLOUDWATCH.PR.2, PR.3)', () => {
    const groups = propertiesOf('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const [, properties] of groups) {
      expect(properties.RetentionInDays).toBe(365);
      expect(properties.KmsKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^WatcherStorageKey/), 'Arn'],
      });
    }
  });

  it('lets CloudWatch Logs use the storage key for this account and region only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the GeminiDB job watcher table and log groups',
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogs',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('encrypts the table with the storage key and lets the poll role use it through DynamoDB only (CT.DYNAMODB.PR.2)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: storageKeyArn },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WatcherPollRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
            Resource: storageKeyArn,
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('denies grants not for an AWS resource in every key policy (CT.KMS.PR.3)', () => {
    const keys = propertiesOf('AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const [id, properties] of keys) {
      const statements = (properties.KeyPolicy as { Statement: unknown[] }).Statement;
      expect(statements, id).toContainEqual({
        Sid: 'DenyGrantsNotForAwsResources',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      });
    }
  });

  it('runs every function in the configured subnets with a security group of no inbound rule (CT.LAMBDA.PR.3)', () => {
    const functions = propertiesOf('AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const [, properties] of functions) {
      expect(properties.VpcConfig).toEqual({
        SubnetIds: VPC.subnetIds,
        SecurityGroupIds: [
          { 'Fn::GetAtt': [expect.stringMatching(/^WatcherFunctionSecurityGroup/), 'GroupId'] },
        ],
      });
    }
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: VPC.vpcId,
      SecurityGroupIngress: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WatcherRelayRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']), Resource: '*' }),
        ]),
      },
    });
  });

  it('gives every queue a dead-letter queue, or declares it one (CT.SQS.PR.1)', () => {
    const queues = propertiesOf('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(5);
    for (const [id, properties] of queues) {
      const declared = properties.RedriveAllowPolicy as { redrivePermission: string } | undefined;
      const redrive = properties.RedrivePolicy as { deadLetterTargetArn: unknown } | undefined;
      expect(
        declared?.redrivePermission === 'allowAll' || redrive?.deadLetterTargetArn !== undefined,
        id,
      ).toBe(true);
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherSubTickQueueDeadLetterQueue'), 'Arn'],
        },
        maxReceiveCount: 2,
      },
    });
  });

  it('alarms on the dead-letter queue it adds, like on every other', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherSubTickQueueDeadLetterQueue'), 'QueueName'],
          },
        },
      ],
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('uses the security groups the config names instead of creating one', () => {
    const { stack } = watcherApp(
      { ...HARDENED_FULL_CONFIG, hardened: { vpc: { ...VPC, securityGroupIds: ['sg-0123456789abcdef0'] } } },
      NO_BUNDLING,
    );
    const withGroups = Template.fromStack(stack);
    withGroups.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    withGroups.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: VPC.subnetIds, SecurityGroupIds: ['sg-0123456789abcdef0'] },
    });
  });

  it('refuses a construct whose logs are kept less than a year, naming the prop', () => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Short');
    expect(
      () =>
        new JobWatcher(stack, 'Watcher', {
          targets: MINIMAL_CONFIG.targets,
          logRetention: logs.RetentionDays.ONE_MONTH,
          hardening: VPC,
        }),
    ).toThrow(
      new HardeningPropsError(
        'Short/Watcher/PollLogs/Resource keeps logs 30 days; a hardened watcher keeps them at least 365 ' +
          '(CT.CLOUDWATCH.PR.2): raise logRetention to 365 days or more',
      ),
    );
  });
});

describe('the default (lean) stack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('has no storage key, security group, VPC config or extra dead-letter queue', () => {
    const { stack } = watcherApp(FULL_CONFIG, NO_BUNDLING);
    const lean = Template.fromStack(stack);
    lean.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    lean.resourceCountIs('AWS::KMS::Key', 2);
    lean.resourceCountIs('AWS::SQS::Queue', 5);
    lean.allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    lean.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent(), RetentionInDays: 30 });
    lean.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: Match.absent() });
  });
});
