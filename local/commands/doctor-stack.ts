import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../../shared/aws-client-config';
import { describeError } from '../../shared/publish/publisher';
import { StackOutput } from '../../shared/stack-outputs';
import type { Target } from '../../shared/target';

/** One line of the doctor's report: what holds, or what does not and the fix. */
export interface Check {
  readonly ok: boolean;
  readonly text: string;
  /** What to do when it does not hold. */
  readonly fix?: string;
}

/** A check that holds. */
export const pass = (text: string): Check => ({ ok: true, text });
/** A check that does not hold, with its fix. */
export const fail = (text: string, fix: string): Check => ({ ok: false, text, fix });

/** The deployed stack as doctor sees it: its outputs, and the clients that reach its resources. */
export interface Deployment {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly targets: readonly Target[];
  readonly clients: AwsClients;
}

/** The AWS clients doctor uses, in the region asked for (or the SDK's usual chain). */
export interface AwsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
}

/** New clients with the watcher's time bounds. */
export function awsClients(region: string | undefined): AwsClients {
  const config = { ...awsClientConfig(), ...(region === undefined ? {} : { region }) };
  return {
    cloudFormation: new CloudFormationClient(config),
    secrets: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    dynamo: new DynamoDBClient(config),
  };
}

/** The stack could not be read: doctor has nothing else to check. */
export class StackNotReadableError extends Error {
  override readonly name = 'StackNotReadableError';
  /** What to do about it. */
  readonly fix: string;

  constructor(message: string, fix: string, options?: ErrorOptions) {
    super(message, options);
    this.fix = fix;
  }
}

/** Reads the stack's outputs; throws {@link StackNotReadableError} naming the fix. */
export async function readStack(stackName: string, clients: AwsClients): Promise<Deployment> {
  let outputs: Record<string, string>;
  try {
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
    );
  } catch (error) {
    throw new StackNotReadableError(
      `cannot read stack ${stackName}: ${describeError(error)}`,
      'pass --stack NAME and --region REGION of the deployed stack, with AWS credentials that may cloudformation:DescribeStacks',
      { cause: error },
    );
  }
  return { stackName, outputs, targets: targetsOf(outputs), clients };
}

function targetsOf(outputs: Readonly<Record<string, string>>): Target[] {
  const text = outputs[StackOutput.targets];
  if (text === undefined) return [];
  try {
    return JSON.parse(text) as Target[];
  } catch {
    return [];
  }
}

/** The stack outputs doctor needs are all there. */
export function checkOutputs(deployment: Deployment): Check {
  const needed = [
    StackOutput.credentialsSecret,
    StackOutput.topicArn,
    StackOutput.tableName,
    StackOutput.targets,
  ];
  const missing = needed.filter((key) => deployment.outputs[key] === undefined);
  return missing.length === 0
    ? pass(
        `stack ${deployment.stackName}: ${deployment.targets.length} target(s), ${Object.keys(deployment.outputs).length} outputs`,
      )
    : fail(
        `stack ${deployment.stackName} lacks the outputs ${missing.join(', ')}`,
        missing.length === 1 && missing[0] === StackOutput.targets
          ? "the stack leaves Targets out when the list passes CloudFormation's 4,096 characters, or was deployed before doctor: per-target checks are skipped; deploy this version (npx cdk deploy) if it is the latter"
          : 'deploy this version of the stack (npx cdk deploy), which adds them',
      );
}

/** The string value of a secret. */
export async function secretString(clients: AwsClients, secretId: string): Promise<string> {
  const { SecretString } = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  return SecretString ?? '';
}

/** `region/projectId`. */
export function targetName(target: Target): string {
  return `${target.region}/${target.projectId}`;
}
