import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DEFAULT_RESERVE_MS, RELAY_DESTINATION_DIMENSION, RelayMetricName } from '../shared/relay/contract';
import type { DeliveryOptions } from '../shared/relay/deliver';
import { type DestinationConfig, destinationSecrets, type RelaySecret } from '../shared/relay/destinations';
import { NotAJobEventError, parseJobEventMessage } from '../shared/relay/job-event-message';
import { type DestinationOutcome, relayEvent } from '../shared/relay/relay';
import { SnsMessageType, snsEventMessages } from '../shared/relay/sns-envelope';

/** Everything the relay handler runs with; built once per container from the environment. */
export interface RelayHandlerDeps {
  readonly destinations: readonly DestinationConfig[];
  /** The relay secret (destination URLs and keys), cached by the caller. */
  readonly readSecret: () => Promise<RelaySecret>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Shared delivery settings: fetch, sleep, randomness, backoff (timeout and attempts are per destination). */
  readonly delivery?: Omit<DeliveryOptions, 'timeoutMs' | 'maxAttempts' | 'deadlineMs' | 'now'>;
  /** No retry starts when less than this many ms of the invocation would remain; default 3 000. */
  readonly reserveMs?: number;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/**
 * The relay's input: an SNS event from the topic subscription, optionally narrowed to some
 * destinations with `relayTo` (to re-deliver a dead-lettered event only where it failed).
 */
export interface RelayInput {
  readonly Records: readonly unknown[];
  readonly relayTo?: readonly string[];
}

/** What one invocation did (also logged). No URLs, no event bodies. */
export interface RelaySummary {
  readonly events: number;
  /** Subscription and unsubscribe confirmations, ignored. */
  readonly ignored: number;
  /** `<event id> -> <destination>` per outcome. */
  readonly delivered: readonly string[];
  readonly filtered: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Some deliveries failed after their retries, or a message was not a job event. Thrown so that the
 * invocation lands in the relay's on-failure destination (the SQS dead-letter queue) with this
 * message, which names the failed destinations; the function has no automatic retries, so the
 * destinations that took the event do not get it twice.
 */
export class RelayDeliveryFailedError extends Error {
  override readonly name = 'RelayDeliveryFailedError';
  /** Destinations that did not take an event; re-deliver with `{"relayTo": [...], "Records": [...]}`. */
  readonly failedDestinations: readonly string[];

  constructor(message: string, failedDestinations: readonly string[]) {
    super(message);
    this.failedDestinations = failedDestinations;
  }
}

/** The relay handler: SNS events in, chat messages and signed webhooks out, wrapped in the Powertools middlewares. */
export function createRelayHandler(deps: RelayHandlerDeps) {
  const { logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;

  const relay = async (input: RelayInput, context: Context): Promise<RelaySummary> => {
    const destinations = selectDestinations(deps.destinations, input.relayTo);
    const messages = snsEventMessages(input);
    const deadlineMs = now() + context.getRemainingTimeInMillis() - reserveMs;
    let secret: Promise<RelaySecret> | undefined;
    const summary = {
      events: 0,
      ignored: 0,
      delivered: [] as string[],
      filtered: [] as string[],
      failed: [] as string[],
    };
    const problems: string[] = [];
    const failedDestinations = new Set<string>();
    let rejected = 0;

    for (const message of messages) {
      if (message.type !== SnsMessageType.Notification) {
        summary.ignored += 1;
        logger.warn('ignored an SNS confirmation: the relay never confirms or unsubscribes by itself', {
          snsType: message.type,
          messageId: message.messageId,
          topicArn: message.topicArn,
        });
        continue;
      }
      let parsed: ReturnType<typeof parseJobEventMessage>;
      try {
        parsed = parseJobEventMessage(message.message, message.messageId);
      } catch (error) {
        if (!(error instanceof NotAJobEventError)) throw error;
        rejected += 1;
        logger.error('not a job event: not relayed', { messageId: message.messageId, error: error.message });
        problems.push(error.message);
        continue;
      }
      summary.events += 1;
      secret ??= deps.readSecret();
      const relaySecret = await secret;
      const outcomes = await relayEvent(parsed, destinations, {
        secretsFor: (destination) => destinationSecrets(relaySecret, destination),
        delivery: { ...deps.delivery, deadlineMs, now },
      });
      const eventFields = {
        eventId: parsed.event.id,
        eventType: parsed.event.type,
        subject: parsed.event.subject,
      };
      for (const outcome of outcomes) {
        const label = `${parsed.event.id} -> ${outcome.destination}`;
        record(metrics, outcome);
        if (outcome.outcome === 'delivered') {
          summary.delivered.push(label);
          logger.info('delivered', {
            ...eventFields,
            destination: outcome.destination,
            kind: outcome.kind,
            status: outcome.status,
            attempts: outcome.attempts,
          });
        } else if (outcome.outcome === 'filtered') {
          summary.filtered.push(label);
          logger.debug('filtered out', { ...eventFields, destination: outcome.destination });
        } else {
          summary.failed.push(label);
          failedDestinations.add(outcome.destination);
          problems.push(`event ${parsed.event.id}: ${outcome.error.message}`);
          logger.error('delivery failed', {
            ...eventFields,
            destination: outcome.destination,
            kind: outcome.kind,
            attempts: outcome.attempts,
            errorName: outcome.error.name,
            error: outcome.error.message,
          });
        }
      }
    }
    // Totals without the destination dimension, flushed by the logMetrics middleware (also on error).
    metrics.addMetric(RelayMetricName.Delivered, MetricUnit.Count, summary.delivered.length);
    metrics.addMetric(RelayMetricName.Failed, MetricUnit.Count, summary.failed.length);
    metrics.addMetric(RelayMetricName.Rejected, MetricUnit.Count, rejected);
    if (problems.length > 0) {
      const names = [...failedDestinations];
      const retry =
        names.length > 0 ? ` Re-deliver with {"relayTo": ${JSON.stringify(names)}, "Records": [...]}.` : '';
      throw new RelayDeliveryFailedError(`${problems.join('; ')}.${retry}`, names);
    }
    logger.info('relay finished', { ...summary });
    return summary;
  };

  return middy(relay)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** The destinations to use: all, or those named in `relayTo` (an unknown name is an error). */
function selectDestinations(
  destinations: readonly DestinationConfig[],
  relayTo: readonly string[] | undefined,
): readonly DestinationConfig[] {
  if (relayTo === undefined) return destinations;
  const unknown = relayTo.filter((name) => !destinations.some((destination) => destination.name === name));
  if (unknown.length > 0) {
    throw new RelayDeliveryFailedError(
      `relayTo names unknown destinations: ${unknown.join(', ')} (configured: ${destinations.map((d) => d.name).join(', ')})`,
      [],
    );
  }
  return destinations.filter((destination) => relayTo.includes(destination.name));
}

/**
 * One EMF record per destination outcome with the `destination` dimension, flushed at once (EMF has
 * one dimension set per record). Filtered events count nowhere.
 */
function record(metrics: Metrics, outcome: DestinationOutcome): void {
  if (outcome.outcome === 'filtered') return;
  metrics.addDimensions({ [RELAY_DESTINATION_DIMENSION]: outcome.destination });
  metrics.addMetric(RelayMetricName.Delivered, MetricUnit.Count, outcome.outcome === 'delivered' ? 1 : 0);
  metrics.addMetric(RelayMetricName.Failed, MetricUnit.Count, outcome.outcome === 'failed' ? 1 : 0);
  metrics.publishStoredMetrics();
}
