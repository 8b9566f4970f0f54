import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookReceiver } from '../../examples/webhook-receiver';
import type { JobEvent } from '../../shared/job-event';
import { parseDestinations } from '../../shared/relay/destinations';
import { relayEvent } from '../../shared/relay/relay';
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from '../../shared/relay/webhook-signature';
import { sampleEvent } from '../shared/publish/fixtures';

const SECRET = 'whsec_receiver_0123456789abcdef';

let server: Server;
let url: string;
let received: JobEvent[];
let failNext: boolean;
beforeEach(async () => {
  received = [];
  failNext = false;
  server = createWebhookReceiver({
    secret: SECRET,
    onEvent: async (event) => {
      if (failNext) {
        failNext = false;
        throw new Error('downstream is down');
      }
      received.push(event);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/geminidb`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** POSTs `body`, signed with `secret` now unless a header is given. */
async function post(body: string, secret: string = SECRET, header?: string): Promise<Response> {
  const signature = header ?? signWebhookPayload({ body, secrets: [secret], nowMs: Date.now() });
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', [WEBHOOK_SIGNATURE_HEADER]: signature },
    body,
  });
}

describe('examples/webhook-receiver.ts over HTTP', () => {
  it('takes what the relay delivers to a webhook destination', async () => {
    const event = sampleEvent('failed');
    const raw = JSON.stringify(event);
    const [outcome] = await relayEvent(
      { event, raw },
      parseDestinations([{ name: 'automation', kind: 'webhook' }]),
      { secretsFor: () => ({ url, signingSecrets: [SECRET] }) },
    );
    expect(outcome).toMatchObject({ outcome: 'delivered', status: 204, attempts: 1 });
    expect(received).toEqual([event]);
  });

  it('acts once per event id and answers 204 to the duplicate', async () => {
    const body = JSON.stringify(sampleEvent('completed'));
    expect((await post(body)).status).toBe(204);
    expect((await post(body)).status).toBe(204);
    expect(received).toHaveLength(1);
  });

  it.each<[string, string | undefined]>([
    [
      'the wrong secret',
      signWebhookPayload({ body: '{}', secrets: ['another-key-0123456789'], nowMs: Date.now() }),
    ],
    [
      'an old signature (a replay)',
      signWebhookPayload({ body: '{}', secrets: [SECRET], nowMs: Date.now() - 600_000 }),
    ],
    ['no signature', ''],
  ])('answers 401 to a body signed with %s', async (_case, header) => {
    const response = await post('{}', SECRET, header);
    expect(response.status).toBe(401);
    expect(received).toEqual([]);
  });

  it('answers 400 with the parse error to a signed body that is no job event', async () => {
    const event = { ...sampleEvent('failed'), data: { ...sampleEvent('failed').data, region: '' } };
    const response = await post(JSON.stringify(event));
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(`CloudEvent ${event.id}: data.region: must not be empty`);
    expect(received).toEqual([]);
  });

  it('answers 500 when the action fails, and takes the retry', async () => {
    const body = JSON.stringify(sampleEvent('stalled'));
    failNext = true;
    expect((await post(body)).status).toBe(500);
    expect((await post(body)).status).toBe(204);
    expect(received).toHaveLength(1);
  });
});
