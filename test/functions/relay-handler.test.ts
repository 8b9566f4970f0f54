import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRelayHandler,
  RelayDeliveryFailedError,
  type RelaySummary,
} from '../../functions/relay-handler';
import { parseDestinations, parseRelaySecret, type RelaySecret } from '../../shared/relay/destinations';
import { sampleEvent } from '../shared/publish/fixtures';
import {
  type Receiver,
  startSlackReceiver,
  startTeamsReceiver,
  startWebhookReceiver,
} from '../shared/relay/receivers';
import { type CapturedOutput, captureOutput, lambdaContext, metricValues, snsEvent } from './relay-support';

const SIGNING_SECRET = 'whsec_handler_0123456789abcdef';

let slack: Receiver;
let teams: Receiver;
let webhook: Receiver;
let output: CapturedOutput;
beforeEach(async () => {
  [slack, teams, webhook] = await Promise.all([
    startSlackReceiver(),
    startTeamsReceiver(),
    startWebhookReceiver(SIGNING_SECRET),
  ]);
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await Promise.all([slack.close(), teams.close(), webhook.close()]);
});

function relaySecret(): RelaySecret {
  return parseRelaySecret(
    JSON.stringify({
      destinations: {
        'ops-slack': { url: slack.url },
        'dba-teams': { url: teams.url },
        automation: { url: webhook.url, signingSecret: SIGNING_SECRET },
      },
    }),
    'test receivers on 127.0.0.1',
    { allowLocalDestinations: true },
  );
}

function handler(readSecret: () => Promise<RelaySecret> = async () => relaySecret()) {
  return createRelayHandler({
    destinations: parseDestinations([
      { name: 'ops-slack', kind: 'slack', filter: { types: ['failed', 'completed'] } },
      { name: 'dba-teams', kind: 'teams' },
      { name: 'automation', kind: 'webhook' },
    ]),
    readSecret,
    logger: new Logger({ serviceName: 'relay-test', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'RelayTest', serviceName: 'relay-test' }),
    delivery: { sleep: async () => {}, random: () => 0 },
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

// The delivery loop itself is tested in test/shared/relay/deliver-records.test.ts; here, the wiring.
describe('createRelayHandler', () => {
  it('delivers an SNS event to every destination and counts each', async () => {
    const event = sampleEvent('failed');
    const summary: RelaySummary = await handler()(snsEvent([event]), lambdaContext());
    expect(summary).toEqual({
      events: 1,
      ignored: 0,
      delivered: [`${event.id} -> ops-slack`, `${event.id} -> dba-teams`, `${event.id} -> automation`],
      filtered: [],
      failed: [],
    });
    expect([slack.accepted.length, teams.accepted.length, webhook.accepted.length]).toEqual([1, 1, 1]);
    expect(output.records()).toContainEqual(
      expect.objectContaining({
        message: 'relay finished',
        function_request_id: lambdaContext().awsRequestId,
      }),
    );
    const delivered = metricValues(output.records(), 'RelayDelivered');
    expect(delivered).toEqual([
      { destination: 'ops-slack', value: 1 },
      { destination: 'dba-teams', value: 1 },
      { destination: 'automation', value: 1 },
      { destination: undefined, value: 3 },
    ]);
  });

  it('throws for the dead-letter queue naming only the destination that failed after its retries', async () => {
    slack.script(...Array.from({ length: 4 }, () => ({ status: 503, body: 'service_unavailable' })));
    const error = await rejection(handler()(snsEvent([sampleEvent('failed')]), lambdaContext()));
    expect(error).toBeInstanceOf(RelayDeliveryFailedError);
    expect((error as RelayDeliveryFailedError).failedDestinations).toEqual(['ops-slack']);
    expect(error.message).toMatch(
      /destination "ops-slack": HTTP 503 \(service_unavailable\), after 4 attempts/,
    );
    expect(error.message).toContain('Re-deliver with {"relayTo": ["ops-slack"], "Records": [...]}');
    expect([slack.all.length, teams.all.length, webhook.all.length]).toEqual([4, 1, 1]);
    expect(metricValues(output.records(), 'RelayFailed')).toContainEqual({
      destination: 'ops-slack',
      value: 1,
    });
    expect(metricValues(output.records(), 'RelayFailed')).toContainEqual({
      destination: undefined,
      value: 1,
    });
  });

  it('starts no retry when less than the reserve of the invocation remains', async () => {
    slack.script({ status: 503 }, { status: 503 });
    const error = await rejection(handler()(snsEvent([sampleEvent('failed')]), lambdaContext(2_000)));
    expect(error.message).toMatch(
      /destination "ops-slack": .*stopped retrying: the invocation was about to time out/,
    );
    expect(slack.all).toHaveLength(1);
  });

  it('never writes a URL or a key to the logs, even when deliveries fail', async () => {
    slack.script(...Array.from({ length: 4 }, () => ({ status: 500 })));
    teams.script(
      { status: 0, reset: true },
      { status: 0, reset: true },
      { status: 0, reset: true },
      { status: 0, reset: true },
    );
    await rejection(handler()(snsEvent([sampleEvent('failed')]), lambdaContext()));
    await handler()(snsEvent([sampleEvent('completed')]), lambdaContext());
    const logs = output.text();
    expect(logs).toContain('delivery failed');
    expect(logs).toContain('"destination":"ops-slack"');
    for (const secret of [
      slack.url,
      new URL(slack.url).pathname,
      new URL(teams.url).search,
      new URL(webhook.url).search,
      SIGNING_SECRET,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
