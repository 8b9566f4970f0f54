import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localDynamoClient, startDynalite } from '../../local/dynalite';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { ensureTable } from '../../shared/store/table';
import type { Target } from '../../shared/target';

// local/dynalite.ts: disk mode keeps a store's data across a restart.
const target: Target = { region: 'ap-southeast-1', projectId: 'proj-1' };
let dir: string | undefined;

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function withStore<T>(path: string, use: (store: DynamoDbTaskStore) => Promise<T>): Promise<T> {
  const running = await startDynalite({ path });
  const client = localDynamoClient(running.endpoint);
  try {
    await ensureTable(client, 'watcher-disk');
    return await use(new DynamoDbTaskStore({ tableName: 'watcher-disk', client }));
  } finally {
    client.destroy();
    await running.close();
  }
}

describe('startDynalite on disk', () => {
  it('creates the directory and keeps the data across a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynalite-'));
    const path = join(dir, 'nested', 'db');

    await withStore(path, async (store) => {
      const state = {
        baselineAt: 1_000,
        baselineDone: true,
        lastCycleAt: '2024-05-01T12:00:00.000Z',
        watermarkMs: null,
        runningFromMs: null,
        lastFullResyncMs: null,
        resyncFromMs: null,
        resyncUntilMs: null,
        jobs: new Map(),
      };
      const write = { expectedRevision: null, owner: 'poll-a', claimed: false, nowMs: 1_000 };
      expect(await store.saveCursor(target, state, [], write)).toBe(true);
    });
    expect((await stat(path)).isDirectory()).toBe(true);

    const cursor = await withStore(path, (store) => store.getCursor(target));
    expect(cursor).toMatchObject({
      revision: 1,
      baselineDone: true,
      lastCycleAt: '2024-05-01T12:00:00.000Z',
    });
  });

  it('starts empty in memory and on a given port', async () => {
    const first = await startDynalite();
    const port = Number(new URL(first.endpoint).port);
    await first.close();
    const running = await startDynalite({ port });
    const client = localDynamoClient(running.endpoint);
    try {
      expect(running.endpoint).toBe(`http://127.0.0.1:${port}`);
      await ensureTable(client, 'watcher-mem');
      const store = new DynamoDbTaskStore({ tableName: 'watcher-mem', client });
      expect(await store.getCursor(target)).toBeNull();
    } finally {
      client.destroy();
      await running.close();
    }
  });
});
