import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../shared/aws-client-config';
import { type ConsolePublisherOptions, createConsolePublisher } from '../shared/publish/console';
import { createEventBridgePublisher, eventBridgeClientFor } from '../shared/publish/eventbridge';
import { createJsonlPublisher } from '../shared/publish/jsonl';
import type { Publisher } from '../shared/publish/publisher';
import { createSnsPublisher } from '../shared/publish/sns';
import { DynamoDbTaskStore } from '../shared/store/dynamodb-store';
import { ensureTable } from '../shared/store/table';
import { localDynamoClient, startDynalite } from './dynalite';
import { checkAwsCredentials, checkAwsRegion, checkJsonlPath } from './preflight';
import { type SinkSpec, type StoreSpec, topicRegion } from './specs';
import { claimStoreDir } from './store-lock';

/** Table name of the embedded store. */
export const LOCAL_TABLE_NAME = 'geminidb-job-watcher';

/** A store ready to use and how to shut it down. */
export interface OpenedStore {
  readonly store: DynamoDbTaskStore;
  /** Human-readable description for the start-up line. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Opens the store a `--store` spec names; the embedded one is started and its table created.
 * Problems found here are usage errors (exit 2): a `dynalite:DIR` another process holds or that
 * cannot hold a database, a `dynamodb:TABLE` with no AWS region or credentials.
 */
export async function openStore(spec: StoreSpec): Promise<OpenedStore> {
  if (spec.kind === 'dynamodb') {
    const client = new DynamoDBClient({});
    try {
      const region = await checkAwsRegion(client, `--store dynamodb:${spec.table}`);
      await checkAwsCredentials(client, `--store dynamodb:${spec.table}`);
      return {
        store: new DynamoDbTaskStore({ tableName: spec.table, client }),
        description: `DynamoDB table ${spec.table} in ${region}`,
        close: async () => client.destroy(),
      };
    } catch (error) {
      client.destroy();
      throw error;
    }
  }
  const claim = spec.dir ? await claimStoreDir(spec.dir) : undefined;
  const server = await startDynalite(spec.dir ? { path: spec.dir } : {}).catch(async (error: unknown) => {
    await claim?.release();
    throw error;
  });
  const client = localDynamoClient(server.endpoint);
  const close = async () => {
    client.destroy();
    await server.close();
    await claim?.release();
  };
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    store: new DynamoDbTaskStore({ tableName: LOCAL_TABLE_NAME, client }),
    description: spec.dir
      ? `embedded DynamoDB (dynalite) in ${spec.dir}`
      : 'embedded DynamoDB (dynalite) in memory',
    close,
  };
}

/**
 * An SNS client for a topic, in the topic's own region (the ARN names it): SNS publishes only to
 * topics of the client's region, so `AWS_REGION` neither has to be set nor can it point elsewhere.
 */
export function snsClientFor(topicArn: string): SNSClient {
  return new SNSClient({ ...awsClientConfig(), region: topicRegion(topicArn) });
}

/**
 * Checks at start that every sink can take events, so a bad one is one line and exit 2 rather than
 * an error per event: a `jsonl:PATH` must be a writable file (or creatable), an `sns:TOPIC_ARN`
 * needs AWS credentials, an `eventbridge:BUS` credentials and a region (a bus ARN names one).
 */
export async function checkSinks(specs: readonly SinkSpec[]): Promise<void> {
  for (const spec of specs) {
    if (spec.kind === 'jsonl') await checkJsonlPath(spec.path);
    if (spec.kind === 'sns') {
      const client = snsClientFor(spec.topicArn);
      try {
        await checkAwsCredentials(client, `--sink sns:${spec.topicArn}`);
      } finally {
        client.destroy();
      }
    }
    if (spec.kind === 'eventbridge') {
      const client = eventBridgeClientFor(spec.eventBus);
      try {
        await checkAwsRegion(client, `--sink eventbridge:${spec.eventBus}`);
        await checkAwsCredentials(client, `--sink eventbridge:${spec.eventBus}`);
      } finally {
        client.destroy();
      }
    }
  }
}

/** The publishers `--sink` specs name, in order. */
export function openSinks(specs: readonly SinkSpec[], options: ConsolePublisherOptions = {}): Publisher[] {
  return specs.map((spec) => {
    if (spec.kind === 'jsonl') return createJsonlPublisher({ path: spec.path });
    if (spec.kind === 'sns') {
      const client = snsClientFor(spec.topicArn);
      const publisher = createSnsPublisher({ topicArn: spec.topicArn, client });
      return {
        ...publisher,
        close: async () => {
          await publisher.close?.();
          client.destroy();
        },
      };
    }
    // Its own client (time bounds, the region of a bus ARN); `close` destroys it.
    if (spec.kind === 'eventbridge') return createEventBridgePublisher({ eventBus: spec.eventBus });
    return createConsolePublisher(options);
  });
}

/** Describes a sink for the start-up line (no secrets in any of them). */
export function describeSink(spec: SinkSpec): string {
  return spec.kind === 'console'
    ? 'console'
    : spec.kind === 'jsonl'
      ? `jsonl ${spec.path}`
      : spec.kind === 'eventbridge'
        ? `eventbridge ${spec.eventBus}`
        : `sns ${spec.topicArn}`;
}
