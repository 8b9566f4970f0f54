import { SNSClient } from '@aws-sdk/client-sns';
import { createConsolePublisher } from '../shared/publish/console';
import { createEventBridgePublisher } from '../shared/publish/eventbridge';
import { createJsonlPublisher } from '../shared/publish/jsonl';
import type { Publisher } from '../shared/publish/publisher';
import { createSnsPublisher } from '../shared/publish/sns';
import { DynamoDbTaskStore } from '../shared/store/dynamodb-store';
import { ensureTable } from '../shared/store/table';
import { localDynamoClient, startDynalite } from './dynalite';
import type { SinkSpec, StoreSpec } from './specs';

/** Table name of the embedded store. */
export const LOCAL_TABLE_NAME = 'geminidb-job-watcher';

/** A store ready to use and how to shut it down. */
export interface OpenedStore {
  readonly store: DynamoDbTaskStore;
  /** Human-readable description for the start-up line. */
  readonly description: string;
  close(): Promise<void>;
}

/** Opens the store a `--store` spec names; the embedded one is started and its table created. */
export async function openStore(spec: StoreSpec): Promise<OpenedStore> {
  if (spec.kind === 'dynamodb') {
    const store = new DynamoDbTaskStore({ tableName: spec.table });
    return { store, description: `DynamoDB table ${spec.table}`, close: async () => {} };
  }
  const server = await startDynalite(spec.dir ? { path: spec.dir } : {});
  const client = localDynamoClient(server.endpoint);
  await ensureTable(client, LOCAL_TABLE_NAME);
  return {
    store: new DynamoDbTaskStore({ tableName: LOCAL_TABLE_NAME, client }),
    description: spec.dir
      ? `embedded DynamoDB (dynalite) in ${spec.dir}`
      : 'embedded DynamoDB (dynalite) in memory',
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/** The publishers `--sink` specs name, in order. */
export function openSinks(
  specs: readonly SinkSpec[],
  options: { readonly write?: (line: string) => void; readonly color?: boolean } = {},
): Publisher[] {
  return specs.map((spec) => {
    if (spec.kind === 'jsonl') return createJsonlPublisher({ path: spec.path });
    if (spec.kind === 'sns')
      return createSnsPublisher({ topicArn: spec.topicArn, client: new SNSClient({}) });
    // Its own client, in the region of a bus ARN; `close` destroys it.
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
