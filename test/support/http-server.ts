import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the test server received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/v3/p/jobs?offset=0&limit=50`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port, for tests. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Drops open connections (including ones a handler never answered) and stops listening. */
  close(): Promise<void>;
}

/** Handles one request; it may leave it unanswered or destroy the socket to simulate failures. */
export type TestHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** Starts a server running `handler` for each request; close it in `afterEach`. */
export async function startHttpServer(handler: TestHandler): Promise<TestHttpServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`test handler failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Writes a JSON answer with the given status and extra headers. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

/**
 * Answers with `status` and a body that never ends (1 MiB chunks of `filler`, written as fast as
 * the client reads), after `prefix`. Resolves how many bytes went out once the client hangs up:
 * a client that reads through a cap stops it early.
 */
export function streamEndlessBody(
  response: ServerResponse,
  status: number,
  options: {
    readonly prefix?: string;
    readonly filler?: string;
    readonly headers?: Record<string, string>;
  } = {},
): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024, options.filler ?? ' ');
  let sent = 0;
  response.writeHead(status, { 'content-type': 'application/json', ...options.headers });
  if (options.prefix) {
    response.write(options.prefix);
    sent += Buffer.byteLength(options.prefix);
  }
  return new Promise((resolve) => {
    const pump = () => {
      while (!response.destroyed) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
    };
    response.once('close', () => resolve(sent));
    pump();
  });
}
