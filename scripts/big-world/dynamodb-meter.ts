import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What went through the meter: DynamoDB requests and the capacity units DynamoDB reported. */
export interface DynamoDbUsage {
  readRequests: number;
  writeRequests: number;
  readUnits: number;
  writeUnits: number;
}

/** A loopback proxy in front of dynalite that counts requests and sums `ConsumedCapacity`. */
export interface DynamoDbMeter {
  readonly endpoint: string;
  readonly port: number;
  readonly usage: DynamoDbUsage;
  close(): Promise<void>;
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

function unitsOf(body: string): number {
  try {
    const parsed = JSON.parse(body) as {
      ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
    };
    const capacity = parsed.ConsumedCapacity;
    const list = Array.isArray(capacity) ? capacity : capacity ? [capacity] : [];
    return list.reduce((sum, each) => sum + (each.CapacityUnits ?? 0), 0);
  } catch {
    return 0;
  }
}

/**
 * Starts the meter on 127.0.0.1 for the dynalite at `target` (its `http://127.0.0.1:PORT`). Every
 * request is forwarded as is; reads and writes are told apart by `X-Amz-Target`.
 */
export async function startDynamoDbMeter(target: string): Promise<DynamoDbMeter> {
  const upstream = new URL(target);
  const usage: DynamoDbUsage = { readRequests: 0, writeRequests: 0, readUnits: 0, writeUnits: 0 };
  const server: Server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const read = READS.has(operation);
    const forwarded = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          if (read) usage.readRequests += 1;
          else usage.writeRequests += 1;
          const units = unitsOf(body.toString('utf8'));
          if (read) usage.readUnits += units;
          else usage.writeUnits += units;
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(body);
        });
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    usage,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
