import type { DeliveryOptions } from './deliver';
import { type DestinationConfig, destinationSecrets, type RelaySecret } from './destinations';
import { NotAJobEventError, parseJobEventMessage } from './job-event-message';
import { type DestinationOutcome, relayEvent } from './relay';
import { RELAY_DESTINATION_DIMENSION, RelayMetricName } from './relay-metrics';
import { SnsMessageType, snsEventMessages } from './sns-envelope';

/** The log lines the relay writes, one JSON object each; Powertools' `Logger` fits. */
export interface RelayLog {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** The counts the relay emits (EMF); Powertools' `Metrics` fits. */
export interface RelayMetrics {
  addDimensions(dimensions: Record<string, string>): unknown;
  addMetric(name: string, unit: 'Count', value: number): unknown;
  /** Flushes what was added, with the dimensions added since the last flush. */
  publishStoredMetrics(): unknown;
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

/** Everything one delivery round needs besides its input. */
export interface DeliverRecordsOptions {
  readonly destinations: readonly DestinationConfig[];
  /** The relay secret (destination URLs and keys), cached by the caller; read once per round, at the first event. */
  readonly readSecret: () => Promise<RelaySecret>;
  readonly log: RelayLog;
  /** Per-destination outcomes are flushed as they come; the totals are added, for the caller to flush. */
  readonly metrics: RelayMetrics;
  /** Shared delivery settings: fetch, sleep, randomness, backoff (timeout and attempts are per destination). */
  readonly delivery?: Omit<DeliveryOptions, 'timeoutMs' | 'maxAttempts' | 'deadlineMs' | 'now'>;
  /** Epoch ms after which no retry starts (the invocation is about to time out). */
  readonly deadlineMs: number;
  /** Epoch ms. */
  readonly now: () => number;
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

/**
 * The relay's delivery loop: every job event of an SNS event to every selected destination (each
 * event to all destinations at once, see {@link relayEvent}), with one log line and one metric
 * record per outcome. Confirmations are logged and ignored; a message that is not a job event is
 * counted as rejected. Resolves with the summary when every destination took every event it
 * should, else throws {@link RelayDeliveryFailedError} after all deliveries were tried.
 */
export async function deliverRecords(
  input: RelayInput,
  options: DeliverRecordsOptions,
): Promise<RelaySummary> {
  const { log, metrics } = options;
  const destinations = selectDestinations(options.destinations, input.relayTo);
  const messages = snsEventMessages(input);
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
      log.warn('ignored an SNS confirmation: the relay never confirms or unsubscribes by itself', {
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
      log.error('not a job event: not relayed', { messageId: message.messageId, error: error.message });
      problems.push(error.message);
      continue;
    }
    summary.events += 1;
    secret ??= options.readSecret();
    const relaySecret = await secret;
    const outcomes = await relayEvent(parsed, destinations, {
      secretsFor: (destination) => destinationSecrets(relaySecret, destination),
      delivery: { ...options.delivery, deadlineMs: options.deadlineMs, now: options.now },
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
        log.info('delivered', {
          ...eventFields,
          destination: outcome.destination,
          kind: outcome.kind,
          status: outcome.status,
          attempts: outcome.attempts,
        });
      } else if (outcome.outcome === 'filtered') {
        summary.filtered.push(label);
        log.debug('filtered out', { ...eventFields, destination: outcome.destination });
      } else {
        summary.failed.push(label);
        failedDestinations.add(outcome.destination);
        problems.push(`event ${parsed.event.id}: ${outcome.error.message}`);
        log.error('delivery failed', {
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
  // Totals without the destination dimension, flushed by the caller (the logMetrics middleware, also on error).
  metrics.addMetric(RelayMetricName.Delivered, 'Count', summary.delivered.length);
  metrics.addMetric(RelayMetricName.Failed, 'Count', summary.failed.length);
  metrics.addMetric(RelayMetricName.Rejected, 'Count', rejected);
  if (problems.length > 0) {
    const names = [...failedDestinations];
    const retry =
      names.length > 0 ? ` Re-deliver with {"relayTo": ${JSON.stringify(names)}, "Records": [...]}.` : '';
    throw new RelayDeliveryFailedError(`${problems.join('; ')}.${retry}`, names);
  }
  log.info('relay finished', { ...summary });
  return summary;
}

/** The destinations to use: all, or those named in `relayTo` (an unknown name is an error). */
export function selectDestinations(
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
function record(metrics: RelayMetrics, outcome: DestinationOutcome): void {
  if (outcome.outcome === 'filtered') return;
  metrics.addDimensions({ [RELAY_DESTINATION_DIMENSION]: outcome.destination });
  metrics.addMetric(RelayMetricName.Delivered, 'Count', outcome.outcome === 'delivered' ? 1 : 0);
  metrics.addMetric(RelayMetricName.Failed, 'Count', outcome.outcome === 'failed' ? 1 : 0);
  metrics.publishStoredMetrics();
}
