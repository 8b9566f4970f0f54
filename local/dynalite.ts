import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { awsClientConfig } from '../shared/aws-client-config';

/** A running embedded DynamoDB (dynalite) and how to stop it. */
export interface RunningDynalite {
  /** `http://127.0.0.1:<port>`, for {@link localDynamoClient}. */
  readonly endpoint: string;
  /** Stops the server and closes its database (flushes it to disk in disk mode). */
  close(): Promise<void>;
}

/** Where and how to run dynalite. */
export interface DynaliteStartOptions {
  /** Directory for the LevelDB files (created if missing); in memory when absent. */
  readonly path?: string;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
}

/**
 * Starts dynalite in this process on 127.0.0.1, so the watcher can run (and be tested) against a
 * real DynamoDB API without AWS. Tables turn ACTIVE at once. Dynalite supports neither transactions
 * nor TTL: the store relies on single-item conditional writes only, which it does support.
 */
export async function startDynalite(options: DynaliteStartOptions = {}): Promise<RunningDynalite> {
  if (options.path !== undefined) await mkdir(options.path, { recursive: true });
  const server = dynalite({
    ...(options.path !== undefined ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold the close open.
        server.closeIdleConnections();
      }),
  };
}

/** A DynamoDB client for a local endpoint: region `local`, dummy credentials (dynalite checks none). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    ...awsClientConfig(),
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
