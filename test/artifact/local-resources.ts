import {
  type AttributeDefinition,
  type BillingMode,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type ProvisionedThroughput,
} from '@aws-sdk/client-dynamodb';
import { type AwsStandIns, STAND_IN_ACCOUNT_ID } from '../support/aws/index';
import type { SynthesizedStack } from './assembly';

/** Where the template's resources live locally. */
export interface LocalResourceOptions {
  readonly stack: SynthesizedStack;
  readonly region: string;
  /** The dynalite the tables are created in. */
  readonly dynamoDb: DynamoDBClient;
  readonly aws: AwsStandIns;
}

/**
 * Gives every resource a Lambda environment can reference a local counterpart, as CloudFormation
 * would resolve `Ref` and `Fn::GetAtt`: tables are created in dynalite from their template
 * definition, secrets are served by the Secrets Manager stand-in with the template's initial
 * value (put the real value after), topics and queues get ARNs and URLs on their stand-ins.
 * Returns the values by `logicalId` (for `Ref`) and `logicalId.Attribute` (for `Fn::GetAtt`).
 */
export async function createLocalResources(options: LocalResourceOptions): Promise<Record<string, string>> {
  const { stack, region, aws } = options;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${region}:${STAND_IN_ACCOUNT_ID}:${resource}`;
  const refs: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    const properties = resource.Properties ?? {};
    const name = `${stack.stackName}-${logicalId}`;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        await createTable(options.dynamoDb, name, properties);
        Object.assign(refs, { [logicalId]: name, [`${logicalId}.Arn`]: arn('dynamodb', `table/${name}`) });
        break;
      case 'AWS::SNS::Topic':
        Object.assign(refs, {
          [logicalId]: arn('sns', name),
          [`${logicalId}.TopicArn`]: arn('sns', name),
          [`${logicalId}.TopicName`]: name,
        });
        break;
      case 'AWS::SecretsManager::Secret': {
        const secret = aws.secretsManager.putSecret(
          arn('secretsmanager', `secret:${name}-AbCdEf`),
          typeof properties.SecretString === 'string' ? properties.SecretString : '',
        );
        Object.assign(refs, { [logicalId]: secret.arn, [`${logicalId}.Id`]: secret.arn });
        break;
      }
      case 'AWS::SQS::Queue':
        Object.assign(refs, {
          [logicalId]: aws.sqs.queueUrl(name),
          [`${logicalId}.QueueUrl`]: aws.sqs.queueUrl(name),
          [`${logicalId}.Arn`]: arn('sqs', name),
          [`${logicalId}.QueueName`]: name,
        });
        break;
    }
  }
  return refs;
}

/** Creates a table with the template's keys and indexes (dynalite has no TTL or PITR: left out). */
async function createTable(client: DynamoDBClient, tableName: string, properties: Record<string, unknown>) {
  const indexes = properties.GlobalSecondaryIndexes as GlobalSecondaryIndex[] | undefined;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: properties.KeySchema as KeySchemaElement[],
      AttributeDefinitions: properties.AttributeDefinitions as AttributeDefinition[],
      BillingMode: properties.BillingMode as BillingMode | undefined,
      ProvisionedThroughput: properties.ProvisionedThroughput as ProvisionedThroughput | undefined,
      ...(indexes ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
