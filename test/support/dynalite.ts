import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../local/dynalite';
import { ensureTable } from '../../shared/store/table';

/** One in-memory dynalite shared by the tests of a file. */
export interface DynaliteFixture {
  /** Endpoint of the running dynalite (valid inside tests and hooks). */
  readonly endpoint: string;
  /** A client for it, shared by the file's tests. */
  readonly client: DynamoDBClient;
  /** A table name no other test of the file uses (the table is not created). */
  freshTableName(): string;
  /** Creates a fresh, ACTIVE table and returns its name. */
  freshTable(): Promise<string>;
}

let tableCounter = 0;

/**
 * Starts one in-memory dynalite for the calling test file (beforeAll) and stops it (afterAll).
 * Call at the top level of the file or of a describe block.
 */
export function useDynalite(): DynaliteFixture {
  let running: RunningDynalite | undefined;
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    running = await startDynalite();
    client = localDynamoClient(running.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await running?.close();
  });
  const started = (): { running: RunningDynalite; client: DynamoDBClient } => {
    if (running === undefined || client === undefined) {
      throw new Error('dynalite is not running: use the fixture inside tests or hooks, not at collection');
    }
    return { running, client };
  };
  const fixture: DynaliteFixture = {
    get endpoint() {
      return started().running.endpoint;
    },
    get client() {
      return started().client;
    },
    freshTableName() {
      tableCounter += 1;
      return `watcher-test-${tableCounter}`;
    },
    async freshTable() {
      const name = fixture.freshTableName();
      await ensureTable(started().client, name);
      return name;
    },
  };
  return fixture;
}
