import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { type Target, targetKey } from '../target';
import { StoreTableNotActiveError } from './errors';

/**
 * The fixed key schema of the watcher's single table. Every item of one target shares a partition
 * (`pk = TARGET#<region>#<project_id>`), so one Query loads a target's whole state.
 */
export const TableKeys = {
  /** Partition key attribute (string). */
  partition: 'pk',
  /** Sort key attribute (string): `JOB#<job id>` or `CURSOR`. */
  sort: 'sk',
} as const;

/** Sort key prefix of job items. */
export const JOB_SORT_KEY_PREFIX = 'JOB#';

/** Sort key of the per-target cursor item. */
export const CURSOR_SORT_KEY = 'CURSOR';

/** The TTL attribute (epoch seconds): enable DynamoDB TTL on it when deploying the table. */
export const TTL_ATTRIBUTE = 'expires_at';

/**
 * How long a finished job stays stored: 40 days, past the jobs API's 30-day window, so a late
 * page listing the job again cannot make it look new and re-announce it.
 */
export const STATE_TTL_SECONDS = 40 * 24 * 60 * 60;

/** Partition key value of a target. */
export function partitionKey(target: Pick<Target, 'region' | 'projectId'>): string {
  return targetKey(target);
}

/** Sort key value of a job item. */
export function jobSortKey(jobId: string): string {
  return `${JOB_SORT_KEY_PREFIX}${jobId}`;
}

/**
 * CreateTable input of the watcher's table (on-demand billing). The single source of the schema
 * for local setup, tests and the CDK construct. TTL is enabled separately on {@link TTL_ATTRIBUTE}.
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TableKeys.partition, AttributeType: 'S' },
      { AttributeName: TableKeys.sort, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TableKeys.partition, KeyType: 'HASH' },
      { AttributeName: TableKeys.sort, KeyType: 'RANGE' },
    ],
  };
}

/** How long {@link ensureTable} waits for the table. */
export interface EnsureTableOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between status checks (default 25 ms). */
  readonly pollMs?: number;
}

/**
 * Creates the table if it is missing and waits until it is ACTIVE. For local runs and tests
 * (dynalite); deployed tables come from the CDK stack. Safe to call repeatedly or concurrently.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 25;
  if ((await tableStatus(client, tableName)) === null) {
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await tableStatus(client, tableName);
    if (status === 'ACTIVE') return;
    if (Date.now() >= deadline) throw new StoreTableNotActiveError(tableName, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | null> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus ?? null;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return null;
    throw error;
  }
}
