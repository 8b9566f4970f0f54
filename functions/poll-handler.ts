import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchItemFailure } from 'aws-lambda';
import type { LambdaSettings } from '../shared/config';
import { targetDimension } from '../shared/contract';
import type { JobsApi } from '../shared/jobs/jobs-client';
import { skippedRecordLine } from '../shared/jobs/response';
import type { Publisher } from '../shared/publish/publisher';
import type { TaskStore } from '../shared/store/task-store';
import {
  type PolledResult,
  type PollRequest,
  pollRequests,
  type SubTickSender,
  subTickDelays,
  Trigger,
} from '../shared/sub-tick';
import type { Target } from '../shared/target';
import type { TransitionType } from '../shared/transition';
import { recordPollMetrics } from './poll-metrics';
import { batchItemFailures, targetsForEvent } from './poll-targets';

/**
 * A cycle must be done this long before the invocation times out: its last writes (marks, the
 * cursor) land in that time, and a cycle cut there leaves state the next one finishes.
 */
export const CYCLE_END_MARGIN_MS = 3_000;

/** Everything the poll handler runs with; built once per container from the environment. */
export interface PollHandlerDeps {
  /** The settings; `targets` may be empty when the invocation events carry them. */
  readonly settings: LambdaSettings;
  /**
   * Endpoints the targets of an event may name besides their region's public one (those of
   * `settings.targets` are allowed too).
   * @default []
   */
  readonly allowedEndpoints?: readonly string[];
  readonly store: TaskStore;
  readonly publishers: readonly Publisher[];
  /** The jobs API of a target, authenticated with the credentials from the secret. */
  readonly apiFor: (target: Target) => JobsApi | Promise<JobsApi>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** No target is started when less than this many ms of the invocation remain. */
  readonly minRemainingMs: number;
  /** Where each tick's sub-ticks go (the sub-tick queue); needed when `settings.fastPollSeconds` > 0. */
  readonly subTicks?: SubTickSender;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/** What one invocation did, returned to the caller (and logged). No credentials, no event bodies. */
export interface PollSummary {
  /** `tick`: the schedule or a fan-out message; `sub-tick`: sub-tick messages. */
  readonly trigger: Trigger;
  readonly targets: number;
  /** Cycles run: every target of a tick, the targets a sub-tick found with open jobs. */
  readonly polled: number;
  readonly succeeded: number;
  readonly failed: readonly { readonly target: string; readonly error: string }[];
  /** Targets not started because the invocation was about to time out. */
  readonly notStarted: readonly string[];
  readonly transitions: Partial<Record<TransitionType, number>>;
  readonly published: number;
  readonly pendingLeft: number;
  readonly publishErrors: number;
  /** Jobs API requests of every poll. */
  readonly apiRequests: number;
  /** Sub-tick messages sent (a tick's interval's worth, in one `SendMessageBatch`). */
  readonly subTicksSent: number;
  /** Why the sub-ticks could not be sent, if they could not (fast polling waits for the next tick). */
  readonly subTickError?: string;
  /** Wall time of the invocation's polls. */
  readonly durationMs: number;
  /** For a batch from the fan-out queue: the messages to retry (SQS partial batch response). */
  readonly batchItemFailures?: readonly SQSBatchItemFailure[];
}

/**
 * Every started target of the tick failed. Thrown so the invocation counts as failed and lands in
 * the on-failure destination; when only some fail, the handler returns normally and reports them.
 * Sub-tick polls never throw it: their messages are not retried, the next tick is the retry.
 */
export class AllTargetsFailedError extends Error {
  override readonly name = 'AllTargetsFailedError';
}

/**
 * The poll handler, wrapped in the Powertools middlewares: one poll of every target of the tick (the
 * schedule's event, the configured targets, or fan-out messages), and for a batch of sub-tick
 * messages one poll of each of their targets whose cursor shows open jobs. A tick also sends its
 * interval's sub-ticks (shared/sub-tick.ts), in one request, while it polls; nothing sleeps.
 * Logs: one INFO summary per invocation; a poll logs at INFO only when something happened.
 */
export function createPollHandler(deps: PollHandlerDeps) {
  const { settings, logger, metrics } = deps;
  // Every setting but the target list and the concurrency is a cycle option (diff, claim, paging, resync).
  const { targets: _targets, targetConcurrency: _concurrency, ...options } = settings;

  const poll = async (event: unknown, context: Context): Promise<PollSummary> => {
    // Scheduled: the targets of the event (the schedule input), else the configured ones.
    // From the fan-out queue: the targets its messages carry. From the sub-tick queue: sub-ticks.
    const eventTargets = targetsForEvent(event, {
      configured: settings.targets,
      allowedEndpoints: deps.allowedEndpoints ?? [],
    });
    const { targets, messages } = eventTargets;
    for (const rejected of eventTargets.rejected) {
      logger.error('fan-out message refused: it polls nothing and is retried, then dead-lettered', rejected);
    }
    for (const dropped of eventTargets.dropped) {
      logger.error(
        'sub-tick message refused: it polls nothing and is dropped (the next tick polls)',
        dropped,
      );
    }
    const requests: PollRequest[] = [
      ...targets.map((target): PollRequest => ({ target, trigger: Trigger.Tick })),
      ...eventTargets.subTickTargets.map((target): PollRequest => ({ target, trigger: Trigger.SubTick })),
    ];
    const now = deps.now ?? Date.now;
    const startedMs = now();
    // Sent while the targets are polled: the delays count from the tick, not from its end.
    const sending = sendSubTicks(deps, targets);
    const result = await pollRequests(
      {
        store: deps.store,
        publishers: deps.publishers,
        options,
        apiFor: deps.apiFor,
        deadlineMs: startedMs + context.getRemainingTimeInMillis() - CYCLE_END_MARGIN_MS,
        ...(deps.now ? { now: deps.now } : {}),
      },
      requests,
      {
        concurrency: settings.targetConcurrency,
        // A target starts only with minRemainingMs of its cycle's time left.
        shouldStart: () => context.getRemainingTimeInMillis() - CYCLE_END_MARGIN_MS > deps.minRemainingMs,
      },
    );
    const subTicks = await sending;
    if (subTicks.error !== undefined) {
      logger.error('sub-ticks not sent: fast polling waits for the next tick', { error: subTicks.error });
    }
    recordPollMetrics(metrics, result);
    logPolls(logger, result);
    const summary: PollSummary = {
      trigger: targets.length > 0 || requests.length === 0 ? Trigger.Tick : Trigger.SubTick,
      ...summarize(requests.length, result),
      subTicksSent: subTicks.sent,
      ...(subTicks.error === undefined ? {} : { subTickError: subTicks.error }),
      durationMs: now() - startedMs,
    };
    if (everyTickFailed(result)) {
      throw new AllTargetsFailedError(
        `every target failed (${summary.failed.map((failure) => `${failure.target}: ${failure.error}`).join('; ')})`,
      );
    }
    logger.info('poll finished', { ...summary });
    return messages ? { ...summary, batchItemFailures: batchItemFailures(eventTargets, result) } : summary;
  };

  return middy(poll)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: false }));
}

/** Sends the sub-ticks of a tick's interval, carrying its targets; never throws (the error is returned). */
async function sendSubTicks(
  deps: PollHandlerDeps,
  targets: readonly Target[],
): Promise<{ readonly sent: number; readonly error?: string }> {
  const delays = subTickDelays(deps.settings.scheduleSeconds, deps.settings.fastPollSeconds);
  if (targets.length === 0 || delays.length === 0) return { sent: 0 };
  try {
    if (!deps.subTicks) throw new Error('fastPollSeconds is above 0 but no sub-tick queue is configured');
    await deps.subTicks.send({ subTick: { targets } }, delays);
    return { sent: delays.length };
  } catch (error) {
    return { sent: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * One line per poll that did something (INFO: transitions, published or pending events; WARN and
 * ERROR: refused records, sink and store failures, failed targets); an idle poll, or a target a
 * sub-tick did not poll, logs at DEBUG only, so it costs no log ingestion at the default level.
 */
function logPolls(logger: Logger, result: PolledResult): void {
  result.reports.forEach((report, index) => {
    const { target, publishErrors, jobErrors, skippedRecords, ...rest } = report;
    const where = targetDimension(target);
    const line = {
      target: where,
      trigger: result.triggers[index],
      ...rest,
      publishErrors: publishErrors.length,
      jobErrors: jobErrors.length,
      skippedRecords: skippedRecords.length,
    };
    for (const record of skippedRecords) logger.warn(skippedRecordLine(where, record));
    for (const error of jobErrors)
      logger.error('job not recorded or marked: retried next poll', { target: where, error });
    if (publishErrors.length > 0)
      logger.warn('cycle left events unpublished', { ...line, errors: publishErrors });
    else if (report.outcome === 'done') logger.info('cycle', line);
    else logger.debug('cycle', line);
  });
  for (const { target, error, trigger } of result.failures) {
    logger.error('target failed', { target: targetDimension(target), trigger, error });
  }
  if (result.notStarted.length > 0) {
    logger.warn('targets not started: the invocation was about to time out', {
      notStarted: result.notStarted.map(targetDimension),
    });
  }
}

/** Some targets of the tick failed and not one of them got a report. */
function everyTickFailed(result: PolledResult): boolean {
  return (
    result.failures.some((failure) => failure.trigger === Trigger.Tick) &&
    !result.triggers.some((trigger) => trigger === Trigger.Tick)
  );
}

function summarize(
  targets: number,
  result: PolledResult,
): Omit<PollSummary, 'trigger' | 'subTicksSent' | 'subTickError' | 'durationMs' | 'batchItemFailures'> {
  const transitions: Partial<Record<TransitionType, number>> = {};
  let published = 0;
  let pendingLeft = 0;
  let publishErrors = 0;
  let apiRequests = 0;
  for (const report of result.reports) {
    for (const [type, count] of Object.entries(report.transitions) as [TransitionType, number][]) {
      transitions[type] = (transitions[type] ?? 0) + count;
    }
    published += report.published;
    pendingLeft += report.pendingLeft;
    publishErrors += report.publishErrors.length;
    apiRequests += report.apiRequests;
  }
  return {
    targets,
    polled: result.reports.length - result.notPolled,
    succeeded: new Set(result.reports.map((report) => targetDimension(report.target))).size,
    failed: result.failures.map(({ target, error }) => ({
      target: targetDimension(target),
      error: error.message,
    })),
    notStarted: result.notStarted.map(targetDimension),
    transitions,
    published,
    pendingLeft,
    publishErrors,
    apiRequests,
  };
}
