import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job-event';
import { DestinationHttpError } from '../../../shared/relay/deliver';
import {
  type DestinationConfigInput,
  destinationSecrets,
  parseDestinations,
  parseRelaySecret,
  type RelaySecret,
} from '../../../shared/relay/destinations';
import type { JobEventMessage } from '../../../shared/relay/job-event-message';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  RELAY_USER_AGENT,
  WEBHOOK_EVENT_ID_HEADER,
} from '../../../shared/relay/payload';
import { relayEvent } from '../../../shared/relay/relay';
import { WEBHOOK_SIGNATURE_HEADER } from '../../../shared/relay/webhook-signature';
import { sampleEvent } from '../publish/fixtures';
import { type Receiver, startSlackReceiver, startTeamsReceiver, startWebhookReceiver } from './receivers';

const SIGNING_SECRET = 'whsec_current_0123456789abcdef';
const PREVIOUS_SECRET = 'whsec_previous_0123456789abcdef';

let slack: Receiver;
let teams: Receiver;
let webhook: Receiver;
beforeEach(async () => {
  [slack, teams, webhook] = await Promise.all([
    startSlackReceiver(),
    startTeamsReceiver(),
    startWebhookReceiver(SIGNING_SECRET),
  ]);
});
afterEach(async () => {
  await Promise.all([slack.close(), teams.close(), webhook.close()]);
});

function message(event: JobEvent): JobEventMessage {
  return { event, raw: JSON.stringify(event) };
}

function secret(extra: Record<string, unknown> = {}): RelaySecret {
  return parseRelaySecret(
    JSON.stringify({
      destinations: {
        'ops-slack': { url: slack.url },
        'dba-teams': { url: teams.url },
        automation: { url: webhook.url, signingSecret: SIGNING_SECRET },
        ...extra,
      },
    }),
    'test receivers on 127.0.0.1',
    { allowLocalDestinations: true },
  );
}

const ALL: DestinationConfigInput[] = [
  { name: 'ops-slack', kind: 'slack' },
  { name: 'dba-teams', kind: 'teams' },
  { name: 'automation', kind: 'webhook' },
];

async function relay(event: JobEvent, configs: DestinationConfigInput[] = ALL, relaySecret = secret()) {
  return relayEvent(message(event), parseDestinations(configs), {
    secretsFor: (destination) => destinationSecrets(relaySecret, destination),
    delivery: { sleep: async () => {}, random: () => 0 },
  });
}

describe('relayEvent', () => {
  it('delivers an event to Slack, Teams and a receiver that verifies the signature', async () => {
    const event = sampleEvent('failed');
    const outcomes = await relay(event);
    expect(outcomes).toEqual([
      { destination: 'ops-slack', kind: 'slack', outcome: 'delivered', status: 200, attempts: 1 },
      { destination: 'dba-teams', kind: 'teams', outcome: 'delivered', status: 202, attempts: 1 },
      { destination: 'automation', kind: 'webhook', outcome: 'delivered', status: 204, attempts: 1 },
    ]);
    expect(JSON.parse(slack.accepted[0]?.body ?? '')).toMatchObject({
      text: '[GeminiDB] BackupInstance on nosql-12f5 failed after 4m 12s: Disk full',
    });
    expect(JSON.parse(teams.accepted[0]?.body ?? '').attachments[0].content.type).toBe('AdaptiveCard');
    const delivery = webhook.accepted[0];
    expect(delivery?.body).toBe(JSON.stringify(event));
    expect(delivery?.headers).toMatchObject({
      'content-type': CLOUDEVENTS_CONTENT_TYPE,
      'user-agent': RELAY_USER_AGENT,
      [WEBHOOK_EVENT_ID_HEADER.toLowerCase()]: event.id,
    });
    expect(delivery?.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('forwards the event text exactly as it came, so the signature covers the bytes SNS delivered', async () => {
    const event = sampleEvent('completed', { name: 'Sauvegarde été' });
    const raw = JSON.stringify(event, null, 2);
    await relayEvent({ event, raw }, parseDestinations([ALL[2] as DestinationConfigInput]), {
      secretsFor: (destination) => destinationSecrets(secret(), destination),
    });
    expect(webhook.accepted[0]?.body).toBe(raw);
  });

  it('sends only what a destination filter takes', async () => {
    const configs: DestinationConfigInput[] = [
      { name: 'ops-slack', kind: 'slack', filter: { types: ['failed', 'stalled'] } },
      { name: 'dba-teams', kind: 'teams', filter: { instances: ['nosql-12f5'], statuses: ['Completed'] } },
      { name: 'automation', kind: 'webhook', filter: { jobNames: ['RestartInstance'] } },
    ];
    const outcomes = await relay(sampleEvent('completed'), configs);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['filtered', 'delivered', 'filtered']);
    expect(slack.all).toHaveLength(0);
    expect(webhook.all).toHaveLength(0);
    expect(teams.accepted).toHaveLength(1);
  });

  it('keeps a failing destination from holding back or repeating the others', async () => {
    slack.script(...Array.from({ length: 4 }, () => ({ status: 500, body: 'internal_error' })));
    const outcomes = await relay(sampleEvent('failed'));
    expect(outcomes[0]).toMatchObject({ destination: 'ops-slack', outcome: 'failed', attempts: 4 });
    const failure = outcomes[0]?.outcome === 'failed' ? outcomes[0].error : undefined;
    expect(failure).toBeInstanceOf(DestinationHttpError);
    expect(failure?.message).not.toContain(slack.url);
    expect(slack.all).toHaveLength(4);
    expect(teams.all).toHaveLength(1);
    expect(webhook.all).toHaveLength(1);
  });

  it('retries a throttled destination and delivers', async () => {
    teams.script({ status: 429, headers: { 'retry-after': '1' } });
    const outcomes = await relay(sampleEvent('completed'));
    expect(outcomes[1]).toMatchObject({ destination: 'dba-teams', outcome: 'delivered', attempts: 2 });
    expect(teams.accepted).toHaveLength(1);
  });

  it('fails only the destination the secret has no URL for', async () => {
    const configs = [...ALL, { name: 'forgotten', kind: 'slack' as const }];
    const outcomes = await relay(sampleEvent('failed'), configs);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'failed',
    ]);
    expect(outcomes[3]).toMatchObject({ attempts: 0 });
  });

  it('fails a webhook whose receiver does not share the key, without retrying', async () => {
    const relaySecret = secret({
      automation: { url: webhook.url, signingSecret: 'whsec_wrong_0123456789abcdef' },
    });
    const outcomes = await relay(sampleEvent('failed'), ALL, relaySecret);
    expect(outcomes[2]).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(outcomes[2]?.outcome === 'failed' && outcomes[2].error.message).toMatch(
      /HTTP 401 \(signature mismatch\)/,
    );
  });

  it('still verifies at a receiver that only knows the previous key while the key rotates', async () => {
    const oldReceiver = await startWebhookReceiver(PREVIOUS_SECRET);
    try {
      const relaySecret = secret({
        automation: {
          url: oldReceiver.url,
          signingSecret: SIGNING_SECRET,
          previousSigningSecret: PREVIOUS_SECRET,
        },
      });
      const outcomes = await relay(sampleEvent('failed'), [ALL[2] as DestinationConfigInput], relaySecret);
      expect(outcomes[0]).toMatchObject({ outcome: 'delivered' });
      expect(oldReceiver.accepted).toHaveLength(1);
    } finally {
      await oldReceiver.close();
    }
  });

  it('delivers a test event everywhere, whatever the filters', async () => {
    const configs = ALL.map((config) => ({ ...config, filter: { types: ['stalled' as const] } }));
    const outcomes = await relay({ ...sampleEvent('completed'), test: true } as JobEvent, configs);
    expect(outcomes.every((outcome) => outcome.outcome === 'delivered')).toBe(true);
    expect(JSON.parse(webhook.accepted[0]?.body ?? '{}')).toMatchObject({ test: true });
  });
});
