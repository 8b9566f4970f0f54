import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  type JobEvent,
  JobEventParseError,
  parseJobEvent,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
} from '../shared/consumer';

export interface WebhookReceiverOptions {
  /** The destination's `signingSecret`; while it is rotated, the new and the previous one. */
  readonly secret: string | readonly string[];
  /** What to do with each event; called once per event id (a failure answers 500: the relay retries). */
  readonly onEvent: (event: JobEvent) => Promise<void>;
}

/** An HTTP server for the relay's signed webhooks: 401 unsigned, 400 not a job event, 204 taken. */
export function createWebhookReceiver(options: WebhookReceiverOptions): Server {
  const seen = new Set<string>(); // use a store with a TTL in production
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks); // the raw bytes: re-serialised JSON does not verify
      const signature = request.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()];
      const header = typeof signature === 'string' ? signature : undefined;
      if (!verifyWebhookSignature({ header, body, secret: options.secret })) {
        response.writeHead(401).end();
        return;
      }
      let event: JobEvent;
      try {
        event = parseJobEvent(body);
      } catch (error) {
        const message = error instanceof JobEventParseError ? error.message : 'unreadable body';
        response.writeHead(400, { 'content-type': 'text/plain' }).end(message);
        return;
      }
      try {
        if (!seen.has(event.id)) await options.onEvent(event);
        seen.add(event.id);
        response.writeHead(204).end();
      } catch {
        response.writeHead(500).end();
      }
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const secret = process.env.GEMINIDB_WEBHOOK_SECRET;
  if (!secret) throw new Error('Set GEMINIDB_WEBHOOK_SECRET to the signingSecret of the relay destination');
  createWebhookReceiver({
    secret,
    onEvent: async (event) =>
      console.log(`${event.type}: ${event.data.job.name} on ${event.data.job.instance.name}`),
  }).listen(Number(process.env.PORT ?? 8080));
}
