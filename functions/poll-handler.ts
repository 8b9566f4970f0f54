import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchItemFailure } from 'aws-lambda';
import type { LambdaSettings } from '../shared/config';
import { targetDimension } from '../shared/contract';
import type { FollowUpSender } from '../shared/follow-up/message';
import {
  type ChainedResult,
  ChainOutcome,
  type PollRequest,
  pollRequests,
} from '../shared/follow-up/poll-chained';
import type { JobsApi } from '../shared/jobs/jobs-client';
import { skippedRecordLine } from '../shared/jobs/response';
import type { Publisher } from '../shared/publish/publisher';
import type { TaskStore } from '../shared/store/task-store';
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
  /** Where follow-up polls go (the follow-up queue); needed when `settings.fastPollSeconds` > 0. */
  readonly followUps?: FollowUpSender;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/** What one invocation did, returned to the caller (and logged). No credentials, no event bodies. */
export interface PollSummary {
  readonly targets: number;
  readonly succeeded: number;
  readonly failed: readonly { readonly target: string; readonly error: string }[];
  /** Targets not started because the invocation was about to time out. */
  readonly notStarted: readonly string[];
  readonly transitions: Partial<Record<TransitionType, number>>;
  readonly published: number;
  readonly pendingLeft: number;
  readonly publishErrors: number;
  /** Follow-up messages sent (one per target whose jobs still run). */
  readonly followUpsSent: number;
  /** For a batch from the fan-out queue: the messages to retry (SQS partial batch response). */
  readonly batchItemFailures?: readonly SQSBatchItemFailure[];
}

/**
 * Every started target of the tick failed. Thrown so the invocation counts as failed and lands in
 * the on-failure destination; when only some fail, the handler returns normally and reports them.
 * Follow-up polls never throw it: their messages are not retried, the next tick is the retry.
 */
export class AllTargetsFailedError extends Error {
  override readonly name = 'AllTargetsFailedError';
}

/**
 * The poll handler, wrapped in the Powertools middlewares: one poll of every target of the tick (the
 * schedule's event, the configured targets, or fan-out messages) and of every follow-up message,
 * by the follow-up chain's rules (shared/follow-up/rules.ts). A target whose jobs still run gets
 * one delayed follow-up message; the invocation returns at once, nothing sleeps.
 */
export function createPollHandler(deps: PollHandlerDeps) {
  const { settings, logger, metrics } = deps;
  // Every setting but the target list and the concurrency is a cycle option (diff, lease, paging, resync).
  const { targets: _targets, targetConcurrency: _concurrency, ...options } = settings;

  const poll = async (event: unknown, context: Context): Promise<PollSummary> => {
    // Scheduled: the targets of the event (the schedule input), else the configured ones.
    // From the fan-out queue: the targets its messages carry. From the follow-up queue: follow-ups.
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
        'follow-up message refused: it polls nothing and is dropped (the next tick polls)',
        dropped,
      );
    }
    const requests: PollRequest[] = [
      ...targets.map((target): PollRequest => ({ target, trigger: { kind: 'tick' } })),
      ...eventTargets.followUps.map(
        ({ target, chain, dueMs }): PollRequest => ({ target, trigger: { kind: 'follow-up', chain, dueMs } }),
      ),
    ];
    const startedMs = (deps.now ?? Date.now)();
    const result = await pollRequests(
      {
        store: deps.store,
        publishers: deps.publishers,
        options,
        apiFor: deps.apiFor,
        deadlineMs: startedMs + context.getRemainingTimeInMillis() - CYCLE_END_MARGIN_MS,
        fastPollSeconds: settings.fastPollSeconds,
        ...(deps.followUps ? { followUps: deps.followUps } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      },
      requests,
      {
        concurrency: settings.targetConcurrency,
        // A target starts only with minRemainingMs of its cycle's time left.
        shouldStart: () => context.getRemainingTimeInMillis() - CYCLE_END_MARGIN_MS > deps.minRemainingMs,
      },
    );
    recordPollMetrics(metrics, result);
    const summary = summarize(targets.length + eventTargets.followUps.length, result);
    for (const { report, trigger, chain, followUpError } of result.chained) {
      const { target, publishErrors, jobErrors, skippedRecords, ...rest } = report;
      const where = targetDimension(target);
      const line = {
        target: where,
        trigger,
        followUp: chain,
        ...rest,
        publishErrors: publishErrors.length,
        jobErrors: jobErrors.length,
        skippedRecords: skippedRecords.length,
      };
      for (const record of skippedRecords) logger.warn(skippedRecordLine(where, record));
      for (const error of jobErrors)
        logger.error('job not recorded or marked: retried next cycle', { target: where, error });
      if (followUpError !== undefined)
        logger.error('follow-up not scheduled: the next tick polls the target', {
          target: where,
          error: followUpError,
        });
      if (publishErrors.length > 0)
        logger.warn('cycle left events unpublished', { ...line, errors: publishErrors });
      else if (report.outcome === 'idle' || chain === ChainOutcome.Stale || chain === ChainOutcome.Deferred)
        logger.debug('cycle', line);
      else logger.info('cycle', line);
    }
    for (const { target, error } of result.failures) {
      logger.error('target failed', { target: targetDimension(target), error });
    }
    if (summary.notStarted.length > 0) {
      logger.warn('targets not started: the invocation was about to time out', {
        notStarted: summary.notStarted,
      });
    }
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
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** Some targets of the tick failed and not one of them got a report. */
function everyTickFailed(result: ChainedResult): boolean {
  return (
    result.failures.some((failure) => failure.trigger === 'tick') &&
    !result.chained.some((entry) => entry.trigger === 'tick')
  );
}

function summarize(targets: number, result: ChainedResult): PollSummary {
  const transitions: Partial<Record<TransitionType, number>> = {};
  let published = 0;
  let pendingLeft = 0;
  let publishErrors = 0;
  for (const report of result.reports) {
    for (const [type, count] of Object.entries(report.transitions) as [TransitionType, number][]) {
      transitions[type] = (transitions[type] ?? 0) + count;
    }
    published += report.published;
    pendingLeft += report.pendingLeft;
    publishErrors += report.publishErrors.length;
  }
  return {
    targets,
    // A tick and a follow-up may poll one target: count targets, not polls.
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
    followUpsSent: result.chained.reduce((sum, entry) => sum + entry.followUpsSent, 0),
  };
}
