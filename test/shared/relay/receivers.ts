import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { checkWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../../../shared/relay/webhook-signature';
import { startHttpServer, type TestHttpServer } from '../../support/http-server';

/** A request a receiver took, with its body. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An answer the receiver gives instead of its normal one (a receiver that is down or throttling). */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Never answer (the relay's timeout fires). */
  readonly hang?: boolean;
  /** Drop the connection without an answer. */
  readonly reset?: boolean;
}

/** A local receiver playing Slack, Teams or a generic webhook endpoint. */
export interface Receiver {
  /** The webhook URL, with a secret-looking path like the real services use. */
  readonly url: string;
  /** Requests answered normally (accepted or refused by the receiver's own checks). */
  readonly accepted: ReceivedRequest[];
  /** Every request that arrived, scripted answers included. */
  readonly all: ReceivedRequest[];
  /** The next answers, in order, before normal service resumes. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

type Judge = (request: ReceivedRequest) => { status: number; body: string; contentType: string };

async function startReceiver(path: string, judge: Judge): Promise<Receiver> {
  const accepted: ReceivedRequest[] = [];
  const all: ReceivedRequest[] = [];
  const scripted: ScriptedAnswer[] = [];
  const server: TestHttpServer = await startHttpServer(
    async (request: IncomingMessage, response: ServerResponse) => {
      const received = { path: request.url ?? '', headers: request.headers, body: await readBody(request) };
      all.push(received);
      const next = scripted.shift();
      if (next?.hang) return;
      if (next?.reset) {
        request.socket.destroy();
        return;
      }
      if (next) {
        response.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
        response.end(next.body ?? '');
        return;
      }
      if (received.path !== path) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('no_service');
        return;
      }
      const verdict = judge(received);
      if (verdict.status < 300) accepted.push(received);
      response.writeHead(verdict.status, { 'content-type': verdict.contentType });
      response.end(verdict.body);
    },
  );
  return {
    url: `${server.url}${path}`,
    accepted,
    all,
    script: (...answers) => scripted.push(...answers),
    close: () => server.close(),
  };
}

/** Plays a Slack incoming webhook: `ok` for a JSON body with `text` (and valid blocks), `invalid_payload` otherwise. */
export function startSlackReceiver(): Promise<Receiver> {
  return startReceiver('/services/T0000/B0000/slacksecrettoken0000', (request) => {
    const payload = parseJson(request.body) as { text?: unknown; blocks?: unknown } | undefined;
    const valid =
      request.headers['content-type']?.startsWith('application/json') === true &&
      typeof payload?.text === 'string' &&
      (payload.blocks === undefined || Array.isArray(payload.blocks));
    return valid
      ? { status: 200, body: 'ok', contentType: 'text/plain' }
      : { status: 400, body: 'invalid_payload', contentType: 'text/plain' };
  });
}

/** Plays a Teams Workflows webhook: 202 for a message with one Adaptive Card attachment, 400 otherwise. */
export function startTeamsReceiver(): Promise<Receiver> {
  return startReceiver('/workflows/abc123/triggers/manual/paths/invoke?sig=teamssecretsig', (request) => {
    const payload = parseJson(request.body) as
      | { type?: unknown; attachments?: { contentType?: unknown; content?: { type?: unknown } }[] }
      | undefined;
    const card = payload?.attachments?.[0];
    const valid =
      payload?.type === 'message' &&
      card?.contentType === 'application/vnd.microsoft.card.adaptive' &&
      card.content?.type === 'AdaptiveCard';
    return valid
      ? { status: 202, body: '', contentType: 'text/plain' }
      : { status: 400, body: '{"error":{"code":"InvalidRequestContent"}}', contentType: 'application/json' };
  });
}

/**
 * Plays a generic receiver that verifies every delivery with the exported
 * `checkWebhookSignature` (401 with the problem when it fails) before accepting it.
 */
export function startWebhookReceiver(
  secret: string | readonly string[],
  nowMs?: () => number,
): Promise<Receiver> {
  return startReceiver('/hooks/geminidb?token=genericsecret', (request) => {
    const header = request.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()];
    const check = checkWebhookSignature({
      header: typeof header === 'string' ? header : undefined,
      body: request.body,
      secret,
      ...(nowMs ? { nowMs: nowMs() } : {}),
    });
    return check.valid
      ? { status: 204, body: '', contentType: 'text/plain' }
      : { status: 401, body: `signature ${check.problem}`, contentType: 'text/plain' };
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
