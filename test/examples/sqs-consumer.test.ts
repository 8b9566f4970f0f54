import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createSqsConsumer } from '../../examples/sqs-consumer';
import type { JobEvent } from '../../shared/job-event';
import { lambdaContext } from '../functions/relay-support';
import { eventBridgeEvent } from '../shared/consumer/fixtures/eventbridge-event';
import { lambdaSqsEvent } from '../shared/consumer/fixtures/lambda-sqs-event';
import { sqsBodyWithoutRawDelivery } from '../shared/consumer/fixtures/sns-raw-message-delivery';
import { sampleEvent } from '../shared/publish/fixtures';
import { useDynalite } from '../support/dynalite';

const dynalite = useDynalite();

/** The idempotency table Powertools expects: partition key `id`. */
async function idempotencyTable(): Promise<string> {
  const name = dynalite.freshTableName();
  await dynalite.client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
}

/** A consumer on a fresh table whose action records the ids it acted on, and fails for `failIds`. */
async function consumer(failIds: Set<string> = new Set()) {
  const tableName = await idempotencyTable();
  const acted: string[] = [];
  const handler = createSqsConsumer({
    tableName,
    dynamoDbClient: dynalite.client,
    act: async (event: JobEvent) => {
      if (failIds.has(event.id)) throw new Error(`ticket system down for ${event.id}`);
      acted.push(event.id);
    },
  });
  return { handler, acted, tableName };
}

const failed = sampleEvent('failed');
const completed = sampleEvent('completed');
const started = sampleEvent('started');

describe('examples/sqs-consumer.ts on dynalite', () => {
  it('acts once per event id, whichever envelope each copy came in, within a batch and across batches', async () => {
    const { handler, acted, tableName } = await consumer();
    const batch = lambdaSqsEvent(
      JSON.stringify(failed), // raw delivery
      sqsBodyWithoutRawDelivery(JSON.stringify(failed)), // the same event through a queue without raw delivery
      JSON.stringify(eventBridgeEvent(completed)), // from an EventBridge rule
    ) as unknown as SQSEvent;
    expect(await handler(batch, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(acted).toEqual([failed.id, completed.id]);

    // SQS delivers the batch again (a visibility timeout ran out): nothing is done twice.
    expect(await handler(batch, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(acted).toEqual([failed.id, completed.id]);
    const { Items } = await dynalite.client.send(new ScanCommand({ TableName: tableName }));
    expect(Items?.map((item) => item.status?.S)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('reports a record that is no job event in batchItemFailures and takes the others', async () => {
    const { handler, acted } = await consumer();
    const batch = lambdaSqsEvent(JSON.stringify(started), '{"orderId": 42}', JSON.stringify(completed));
    const response = await handler(batch as unknown as SQSEvent, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[1]?.messageId }] });
    expect(acted).toEqual([started.id, completed.id]);
  });

  it('reports a record whose action failed, and acts on it when SQS delivers it again', async () => {
    const failIds = new Set([failed.id]);
    const { handler, acted } = await consumer(failIds);
    const batch = lambdaSqsEvent(JSON.stringify(failed), JSON.stringify(completed));
    const first = await handler(batch as unknown as SQSEvent, lambdaContext());
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0]?.messageId }] });
    expect(acted).toEqual([completed.id]);

    failIds.clear();
    const retry = lambdaSqsEvent(JSON.stringify(failed));
    expect(await handler(retry as unknown as SQSEvent, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(acted).toEqual([completed.id, failed.id]);
  });

  it('skips the test events of send-test', async () => {
    const { handler, acted } = await consumer();
    const batch = lambdaSqsEvent(JSON.stringify({ ...failed, test: true }));
    expect(await handler(batch as unknown as SQSEvent, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(acted).toEqual([]);
  });
});
