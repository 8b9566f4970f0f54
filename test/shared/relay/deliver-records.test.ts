import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DeliverRecordsOptions,
  deliverRecords,
  RelayDeliveryFailedError,
  type RelayLog,
  type RelayMetrics,
  selectDestinations,
} from '../../../shared/relay/deliver-records';
import { parseDestinations, parseRelaySecret, type RelaySecret } from '../../../shared/relay/destinations';
import { snsEvent } from '../../functions/relay-support';
import { startHttpServer } from '../../support/http-server';
import { sampleEvent } from '../publish/fixtures';
import { type Receiver, startSlackReceiver, startTeamsReceiver, startWebhookReceiver } from './receivers';

const SIGNING_SECRET = 'whsec_loop_0123456789abcdef';

/** One log line the loop wrote. */
interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** A log that keeps its lines. */
function recordingLog(): RelayLog & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, attributes: Record<string, unknown>): void => {
      lines.push({ level, message, attributes });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** One flushed metric record: its dimensions and values. */
interface MetricRecord {
  readonly dimensions: Record<string, string>;
  readonly values: Record<string, number>;
}

/** Metrics that keep what was flushed; `pending()` is what the caller would flush last. */
function recordingMetrics(): RelayMetrics & { readonly flushed: MetricRecord[]; pending(): MetricRecord } {
  const flushed: MetricRecord[] = [];
  let dimensions: Record<string, string> = {};
  let values: Record<string, number> = {};
  return {
    flushed,
    pending: () => ({ dimensions, values }),
    addDimensions(added) {
      dimensions = { ...dimensions, ...added };
    },
    addMetric(name, _unit, value) {
      values = { ...values, [name]: value };
    },
    publishStoredMetrics() {
      flushed.push({ dimensions, values });
      dimensions = {};
      values = {};
    },
  };
}

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

const DESTINATIONS = parseDestinations([
  { name: 'ops-slack', kind: 'slack', filter: { types: ['failed', 'completed'] } },
  { name: 'dba-teams', kind: 'teams' },
  { name: 'automation', kind: 'webhook' },
]);

function options(overrides: Partial<DeliverRecordsOptions> = {}) {
  const log = recordingLog();
  const metrics = recordingMetrics();
  let secretReads = 0;
  const all: DeliverRecordsOptions = {
    destinations: DESTINATIONS,
    readSecret: async () => {
      secretReads += 1;
      return relaySecret();
    },
    log,
    metrics,
    delivery: { sleep: async () => {}, random: () => 0 },
    deadlineMs: Date.now() + 60_000,
    now: Date.now,
    ...overrides,
  };
  return { options: all, log, metrics, secretReads: () => secretReads };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('deliverRecords', () => {
  it('delivers each event to every destination, one metric record per outcome and the totals last', async () => {
    const [failed, completed] = [sampleEvent('failed'), sampleEvent('completed')];
    const run = options();
    const summary = await deliverRecords(snsEvent([failed, completed]), run.options);
    expect(summary).toEqual({
      events: 2,
      ignored: 0,
      delivered: [failed, completed].flatMap((event) =>
        ['ops-slack', 'dba-teams', 'automation'].map((name) => `${event.id} -> ${name}`),
      ),
      filtered: [],
      failed: [],
    });
    expect([slack.accepted.length, teams.accepted.length, webhook.accepted.length]).toEqual([2, 2, 2]);
    expect(run.metrics.flushed).toHaveLength(6);
    expect(run.metrics.flushed[0]).toEqual({
      dimensions: { destination: 'ops-slack' },
      values: { RelayDelivered: 1, RelayFailed: 0 },
    });
    expect(run.metrics.pending()).toEqual({
      dimensions: {},
      values: { RelayDelivered: 6, RelayFailed: 0, RelayRejected: 0 },
    });
    expect(run.secretReads()).toBe(1);
    expect(run.log.lines.filter((line) => line.message === 'delivered')).toHaveLength(6);
    expect(run.log.lines.at(-1)).toMatchObject({ level: 'info', message: 'relay finished' });
  });

  it('counts nothing for a destination whose filter drops the event', async () => {
    const run = options();
    const event = sampleEvent('started');
    const summary = await deliverRecords(snsEvent([event]), run.options);
    expect(summary.filtered).toEqual([`${event.id} -> ops-slack`]);
    expect(slack.all).toHaveLength(0);
    expect(run.metrics.flushed.map((record) => record.dimensions.destination)).toEqual([
      'dba-teams',
      'automation',
    ]);
    expect(run.log.lines).toContainEqual(
      expect.objectContaining({ level: 'debug', message: 'filtered out' }),
    );
  });

  it('throws naming only the destination that failed after its retries, once every delivery was tried', async () => {
    slack.script(...Array.from({ length: 4 }, () => ({ status: 503, body: 'service_unavailable' })));
    const run = options();
    const error = await rejection(deliverRecords(snsEvent([sampleEvent('failed')]), run.options));
    expect(error).toBeInstanceOf(RelayDeliveryFailedError);
    expect((error as RelayDeliveryFailedError).failedDestinations).toEqual(['ops-slack']);
    expect(error.message).toMatch(
      /destination "ops-slack": HTTP 503 \(service_unavailable\), after 4 attempts/,
    );
    expect(error.message).toContain('Re-deliver with {"relayTo": ["ops-slack"], "Records": [...]}');
    expect([slack.all.length, teams.all.length, webhook.all.length]).toEqual([4, 1, 1]);
    expect(run.metrics.pending().values).toEqual({ RelayDelivered: 2, RelayFailed: 1, RelayRejected: 0 });
    expect(run.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'delivery failed',
        attributes: expect.objectContaining({ destination: 'ops-slack', attempts: 4 }),
      }),
    );
  });

  it('starts no retry past the deadline', async () => {
    slack.script({ status: 503 }, { status: 503 });
    const run = options({ deadlineMs: Date.now() + 1_000 });
    const error = await rejection(deliverRecords(snsEvent([sampleEvent('failed')]), run.options));
    expect(error.message).toMatch(/stopped retrying: the invocation was about to time out/);
    expect(slack.all).toHaveLength(1);
  });

  it('re-delivers only to the destinations named in relayTo', async () => {
    const event = sampleEvent('failed');
    const summary = await deliverRecords({ ...snsEvent([event]), relayTo: ['ops-slack'] }, options().options);
    expect(summary.delivered).toEqual([`${event.id} -> ops-slack`]);
    expect([slack.all.length, teams.all.length, webhook.all.length]).toEqual([1, 0, 0]);
  });

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'])(
    'ignores a %s: logged, nothing fetched, no secret read, nothing delivered',
    async (type) => {
      const subscribeUrl = await startHttpServer((_request, response) => void response.end('confirmed'));
      try {
        const input = snsEvent(['You have chosen to subscribe'], type);
        const sns = (input.Records[0] as { Sns: Record<string, unknown> }).Sns;
        sns.SubscribeURL = `${subscribeUrl.url}/?Action=ConfirmSubscription&Token=abc`;
        const run = options();
        const summary = await deliverRecords(input, run.options);
        expect(summary).toMatchObject({ events: 0, ignored: 1, delivered: [] });
        expect(subscribeUrl.requests).toHaveLength(0);
        expect(run.secretReads()).toBe(0);
        expect(slack.all.length + teams.all.length + webhook.all.length).toBe(0);
        expect(run.log.lines[0]).toMatchObject({
          level: 'warn',
          attributes: { snsType: type, messageId: 'msg-0' },
        });
      } finally {
        await subscribeUrl.close();
      }
    },
  );

  it('rejects a message that is not a job event, delivers the others, and counts it', async () => {
    const event = sampleEvent('completed');
    const run = options();
    const error = await rejection(deliverRecords(snsEvent(['{"hello": "world"}', event]), run.options));
    expect(error).toBeInstanceOf(RelayDeliveryFailedError);
    expect(error.message).toMatch(/SNS message msg-0 is not a job event/);
    expect((error as RelayDeliveryFailedError).failedDestinations).toEqual([]);
    expect(webhook.accepted).toHaveLength(1);
    expect(run.metrics.pending().values).toMatchObject({ RelayRejected: 1, RelayDelivered: 3 });
  });

  it('fails when the secret cannot be read', async () => {
    const run = options({
      readSecret: async () => {
        throw new Error('AccessDeniedException: not allowed');
      },
    });
    const error = await rejection(deliverRecords(snsEvent([sampleEvent('failed')]), run.options));
    expect(error.message).toBe('AccessDeniedException: not allowed');
  });
});

describe('selectDestinations', () => {
  it('keeps every destination without relayTo and the named ones with it, in configured order', () => {
    expect(selectDestinations(DESTINATIONS, undefined)).toBe(DESTINATIONS);
    expect(selectDestinations(DESTINATIONS, ['automation', 'ops-slack']).map((d) => d.name)).toEqual([
      'ops-slack',
      'automation',
    ]);
  });

  it('refuses a name it does not know', () => {
    expect(() => selectDestinations(DESTINATIONS, ['nope'])).toThrow(
      'relayTo names unknown destinations: nope (configured: ops-slack, dba-teams, automation)',
    );
  });
});
