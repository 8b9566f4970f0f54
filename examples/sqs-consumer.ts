import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isTestEvent, type JobEvent, parseJobEvent } from '../shared/consumer';

export interface SqsConsumerOptions {
  /** Idempotency table: partition key `id` (string), TTL on `expiration`. */
  readonly tableName: string;
  readonly dynamoDbClient?: DynamoDBClient;
  /** What to do with each event; runs once per event id, however often the event arrives. */
  readonly act: (event: JobEvent) => Promise<void>;
}

/** A Lambda handler for an SQS queue of job events (raw delivery or not, or behind an EventBridge rule). */
export function createSqsConsumer(options: SqsConsumerOptions) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'id', // the CloudEvent id: a re-published or replayed event keeps its id
    expiresAfterSeconds: 40 * 24 * 3600, // as long as the watcher keeps events for replay
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    ...(options.dynamoDbClient ? { awsSdkV3Client: options.dynamoDbClient } : {}),
  });
  const actOnce = makeIdempotent(
    async (event: JobEvent) => {
      await options.act(event);
      return { acted: event.id };
    },
    { persistenceStore, config },
  );
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const event = parseJobEvent(record); // throws JobEventParseError: this record fails alone
    if (isTestEvent(event)) return; // send-test checks the path; nothing happened
    await actOnce(event);
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    config.registerLambdaContext(context);
    // One record at a time, so that two copies of one event in a batch run the action once.
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };
}

export const handler = createSqsConsumer({
  tableName: process.env.IDEMPOTENCY_TABLE_NAME ?? 'geminidb-consumer-idempotency',
  act: async (event) => {
    const { job } = event.data;
    console.log(
      `${job.name} on ${job.instance.name} is ${job.status}: ${job.fail_reason ?? 'no reason given'}`,
    );
  },
});
