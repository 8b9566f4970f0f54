import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DEFAULT_RESERVE_MS } from '../shared/relay/contract';
import type { DeliveryOptions } from '../shared/relay/deliver';
import { deliverRecords, type RelayInput, type RelaySummary } from '../shared/relay/deliver-records';
import type { DestinationConfig, RelaySecret } from '../shared/relay/destinations';

export {
  RelayDeliveryFailedError,
  type RelayInput,
  type RelaySummary,
} from '../shared/relay/deliver-records';

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
 * The relay handler: SNS events in, chat messages and signed webhooks out (the loop is
 * `shared/relay/deliver-records.ts`), wrapped in the Powertools middlewares, which add the Lambda
 * context to the logs and flush the metrics, also when the invocation fails.
 */
export function createRelayHandler(deps: RelayHandlerDeps) {
  const { logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;

  const relay = (input: RelayInput, context: Context): Promise<RelaySummary> =>
    deliverRecords(input, {
      destinations: deps.destinations,
      readSecret: deps.readSecret,
      log: logger,
      metrics,
      ...(deps.delivery ? { delivery: deps.delivery } : {}),
      deadlineMs: now() + context.getRemainingTimeInMillis() - reserveMs,
      now,
    });

  return middy(relay)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
