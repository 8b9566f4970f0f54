import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  CURSOR_SORT_KEY,
  ensureTable,
  jobSortKey,
  partitionKey,
  STATE_TTL_SECONDS,
  TTL_ATTRIBUTE,
  tableDefinition,
} from '../../../shared/store/table';
import { useDynalite } from '../../support/dynalite';

const dynalite = useDynalite();

describe('table keys', () => {
  it('builds the partition key from region and project, and job/cursor sort keys', () => {
    expect(partitionKey({ region: 'ap-southeast-1', projectId: 'p1' })).toBe('TARGET#ap-southeast-1#p1');
    expect(jobSortKey('job-42')).toBe('JOB#job-42');
    expect(CURSOR_SORT_KEY).toBe('CURSOR');
  });

  it('keeps finished jobs past the 30-day API window', () => {
    expect(TTL_ATTRIBUTE).toBe('expires_at');
    expect(STATE_TTL_SECONDS).toBe(40 * 86_400);
    expect(STATE_TTL_SECONDS).toBeGreaterThan(30 * 86_400);
  });
});

describe('tableDefinition', () => {
  it('describes an on-demand table keyed by string pk (hash) and sk (range)', () => {
    expect(tableDefinition('jobs-table')).toEqual({
      TableName: 'jobs-table',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });
});

describe('ensureTable', () => {
  it('creates a missing table and leaves it ACTIVE', async () => {
    const name = dynalite.freshTableName();
    await ensureTable(dynalite.client, name);
    const out = await dynalite.client.send(new DescribeTableCommand({ TableName: name }));
    expect(out.Table?.TableStatus).toBe('ACTIVE');
    expect(out.Table?.KeySchema).toEqual(tableDefinition(name).KeySchema);
    expect(out.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('does nothing when called again or concurrently for the same table', async () => {
    const name = dynalite.freshTableName();
    await Promise.all([ensureTable(dynalite.client, name), ensureTable(dynalite.client, name)]);
    await ensureTable(dynalite.client, name);
    const tables = await dynalite.client.send(new ListTablesCommand({}));
    expect(tables.TableNames?.filter((table) => table === name)).toEqual([name]);
  });
});
