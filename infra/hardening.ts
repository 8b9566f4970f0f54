import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { HARDENED_MIN_LOG_RETENTION_DAYS } from './hardening-config';

/**
 * What a hardened watcher runs in: an existing VPC whose subnets route to the internet (a NAT), so
 * the functions reach Huawei Cloud and AWS APIs from a fixed address.
 */
export interface HardeningProps {
  /** The existing VPC, `vpc-...`. */
  readonly vpcId: string;
  /** Its subnets the functions get their network interfaces in; each needs a route to the internet. */
  readonly subnetIds: readonly string[];
  /**
   * Security groups of the functions.
   * @default - one created in the VPC: no inbound rule, all outbound
   */
  readonly securityGroupIds?: readonly string[];
}

/** What {@link hardenWatcher} works on besides the resources it finds in the scope. */
export interface HardeningTargets {
  /** Principals that read and write the tables: they get the key the tables are encrypted with. */
  readonly tableUsers: readonly iam.IGrantable[];
  /**
   * The queues that are dead-letter queues (of a queue, an SNS subscription or a Lambda destination):
   * they declare a redrive allow policy instead of getting a dead-letter queue of their own.
   */
  readonly deadLetterQueues: readonly sqs.IQueue[];
}

/** What hardening added. */
export interface HardenedWatcher {
  /** Encrypts the tables and the log groups. */
  readonly storageKey: kms.Key;
  /** Dead-letter queues created for queues that had none (alarm on them like on the others). */
  readonly deadLetterQueues: readonly sqs.Queue[];
  /** The security groups the functions run with. */
  readonly securityGroupIds: readonly string[];
}

/** The hardening cannot be applied as the props are; the message names the prop and the fix. */
export class HardeningPropsError extends Error {
  override readonly name = 'HardeningPropsError';
}

/** Actions a table user needs on the table's key, as DynamoDB asks (no wildcard, no grants). */
const TABLE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

/** What `AWSLambdaVPCAccessExecutionRole` allows, inline: a function's network interfaces. */
const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * Makes every resource under `scope` pass the AWS Control Tower proactive controls that apply to it
 * (docs/compliance.md): the log groups kept at least a year and encrypted with a customer-managed
 * key (CT.CLOUDWATCH.PR.2, PR.3), the tables encrypted with that key (CT.DYNAMODB.PR.2), every key
 * policy denying grants not made for an AWS resource (CT.KMS.PR.3), every function in the VPC
 * (CT.LAMBDA.PR.3), every queue with a dead-letter queue or declared as one (CT.SQS.PR.1).
 *
 * It works on the finished resources, so the constructs that create them need not know about it;
 * call it after the last of them is created.
 * @throws HardeningPropsError when a log group keeps its logs less than a year.
 */
export function hardenWatcher(
  scope: Construct,
  props: HardeningProps,
  targets: HardeningTargets,
): HardenedWatcher {
  const storageKey = createStorageKey(scope);
  encryptLogGroups(scope, storageKey);
  encryptTables(scope, storageKey, targets.tableUsers);
  const deadLetterQueues = giveEveryQueueADeadLetterQueue(scope, targets.deadLetterQueues);
  const securityGroupIds = placeFunctionsInVpc(scope, props);
  // Last: the storage key and any other key created above get the statement too.
  for (const key of constructsOf(scope, kms.Key)) limitGrantsToAwsServices(key);
  return { storageKey, deadLetterQueues, securityGroupIds };
}

function constructsOf<T extends IConstruct>(
  scope: Construct,
  type: abstract new (...args: never[]) => T,
): T[] {
  return scope.node.findAll().filter((construct): construct is T => construct instanceof type);
}

/** The key of the tables and the log groups; CloudWatch Logs may use it for this account's log groups. */
function createStorageKey(scope: Construct): kms.Key {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'StorageKey', {
    description: 'Encrypts the GeminiDB job watcher table and log groups',
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );
  return key;
}

/** CT.CLOUDWATCH.PR.2 and PR.3: a year of logs at least, encrypted with the storage key. */
function encryptLogGroups(scope: Construct, key: kms.Key): void {
  for (const logGroup of constructsOf(scope, logs.CfnLogGroup)) {
    const days = logGroup.retentionInDays;
    if (days !== undefined && days < HARDENED_MIN_LOG_RETENTION_DAYS) {
      throw new HardeningPropsError(
        `${logGroup.node.path} keeps logs ${days} days; a hardened watcher keeps them at least ` +
          `${HARDENED_MIN_LOG_RETENTION_DAYS} (CT.CLOUDWATCH.PR.2): raise logRetention to ${HARDENED_MIN_LOG_RETENTION_DAYS} days or more`,
      );
    }
    logGroup.kmsKeyId = key.keyArn;
  }
}

/** CT.DYNAMODB.PR.2, with a customer-managed key: the users may use it through DynamoDB only. */
function encryptTables(scope: Construct, key: kms.Key, users: readonly iam.IGrantable[]): void {
  const tables = constructsOf(scope, dynamodb.CfnTable);
  for (const table of tables) {
    table.sseSpecification = { sseEnabled: true, sseType: 'KMS', kmsMasterKeyId: key.keyArn };
  }
  if (tables.length === 0) return;
  for (const user of users) {
    user.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: TABLE_KEY_ACTIONS,
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(scope).region}.amazonaws.com` },
        },
      }),
    );
  }
}

/**
 * CT.SQS.PR.1: a dead-letter queue declares who may redrive into it; every other queue without a
 * dead-letter queue gets one (SQS-managed encryption, TLS only, two receives, 14 days).
 */
function giveEveryQueueADeadLetterQueue(
  scope: Construct,
  deadLetterQueues: readonly sqs.IQueue[],
): sqs.Queue[] {
  const created: sqs.Queue[] = [];
  for (const queue of constructsOf(scope, sqs.Queue)) {
    const resource = queue.node.defaultChild as sqs.CfnQueue;
    if (deadLetterQueues.includes(queue)) {
      // An SNS subscription or a Lambda destination sends to it, which no redrive permission governs.
      resource.redriveAllowPolicy = { redrivePermission: sqs.RedrivePermission.ALLOW_ALL };
      continue;
    }
    if (resource.redrivePolicy !== undefined) continue;
    const deadLetterQueue = new sqs.Queue(queue.node.scope as Construct, `${queue.node.id}DeadLetterQueue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is the dead-letter queue of ${queue.node.id} (a hardened watcher gives every queue one); an alarm fires when it is not empty.`,
    });
    resource.redrivePolicy = { deadLetterTargetArn: deadLetterQueue.queueArn, maxReceiveCount: 2 };
    created.push(deadLetterQueue);
  }
  return created;
}

/** CT.LAMBDA.PR.3: every function in the VPC's subnets, with the rights to its network interfaces. */
function placeFunctionsInVpc(scope: Construct, props: HardeningProps): string[] {
  const functions = constructsOf(scope, lambda.Function);
  if (functions.length === 0) return [...(props.securityGroupIds ?? [])];
  const securityGroupIds = props.securityGroupIds
    ? [...props.securityGroupIds]
    : [createSecurityGroup(scope, props.vpcId).attrGroupId];
  for (const fn of functions) {
    (fn.node.defaultChild as lambda.CfnFunction).vpcConfig = {
      subnetIds: [...props.subnetIds],
      securityGroupIds,
    };
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: NETWORK_INTERFACE_ACTIONS, resources: ['*'] }));
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'A function in a VPC manages its network interfaces (the actions of AWSLambdaVPCAccessExecutionRole, ' +
          'inline); EC2 does not scope them to resources Lambda has yet to create.',
      });
    }
  }
  return securityGroupIds;
}

/** No inbound rule; EC2's default outbound rule (all), for Huawei Cloud, AWS APIs and webhooks on any port. */
function createSecurityGroup(scope: Construct, vpcId: string): ec2.CfnSecurityGroup {
  return new ec2.CfnSecurityGroup(scope, 'FunctionSecurityGroup', {
    vpcId,
    groupDescription:
      'GeminiDB job watcher functions: no inbound; outbound to Huawei Cloud, AWS APIs, webhooks',
  });
}

/** CT.KMS.PR.3: nobody may create a grant on the key unless it is for an AWS resource or by an AWS service. */
function limitGrantsToAwsServices(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsNotForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
}
