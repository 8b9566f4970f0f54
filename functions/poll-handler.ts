import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchItemFailure } from 'aws-lambda';
import { pollDeadlineMs, pollUntil } from '../shared/adaptive';
import type { LambdaSettings } from '../shared/config';
import { targetDimension } from '../shared/contract';
import type { PollAllResult } from '../shared/cycle/poll-all';
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
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /** Waits between adaptive polling rounds; a real timer by default (tests inject one). */
  readonly sleep?: (ms: number) => Promise<void>;
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
  /** For a batch from the fan-out queue: the messages to retry (SQS partial batch response). */
  readonly batchItemFailures?: readonly SQSBatchItemFailure[];
}

/**
 * Every started target failed. Thrown so the invocation counts as failed and lands in the
 * on-failure destination; when only some fail, the handler returns normally and reports them.
 */
export class AllTargetsFailedError extends Error {
  override readonly name = 'AllTargetsFailedError';
}

/**
 * The poll handler: a cycle over every target of the event (or configured), then fast rounds for targets with running
 * jobs until shortly before the next scheduled run, wrapped in the Powertools middlewares.
 */
export function createPollHandler(deps: PollHandlerDeps) {
  const { settings, logger, metrics } = deps;
  // Every setting but the target list and the concurrency is a cycle option (diff, lease, paging, resync).
  const { targets: _targets, targetConcurrency: _concurrency, ...options } = settings;

  const poll = async (event: unknown, context: Context): Promise<PollSummary> => {
    // Scheduled: the targets of the event (the schedule input), else the configured ones.
    // From the fan-out queue: the targets its messages carry.
    const eventTargets = targetsForEvent(event, {
      configured: settings.targets,
      allowedEndpoints: deps.allowedEndpoints ?? [],
    });
    const { targets, messages } = eventTargets;
    for (const rejected of eventTargets.rejected) {
      logger.error('fan-out message refused: it polls nothing and is retried, then dead-lettered', rejected);
    }
    // Every target once; then, while some have running jobs, those again every fastPollSeconds
    // until shortly before the next scheduled invocation (adaptive polling).
    const startedMs = (deps.now ?? Date.now)();
    const remainingMs = context.getRemainingTimeInMillis();
    const result = await pollUntil(
      {
        store: deps.store,
        publishers: deps.publishers,
        options,
        apiFor: deps.apiFor,
        deadlineMs: startedMs + remainingMs - CYCLE_END_MARGIN_MS,
        ...(deps.now ? { now: deps.now } : {}),
      },
      targets,
      {
        concurrency: settings.targetConcurrency,
        fastPollSeconds: settings.fastPollSeconds,
        untilMs: pollDeadlineMs({
          startedMs,
          scheduleSeconds: settings.scheduleSeconds,
          remainingMs: remainingMs - deps.minRemainingMs,
        }),
        // A target starts only with minRemainingMs of its cycle's time left.
        shouldStart: () => context.getRemainingTimeInMillis() - CYCLE_END_MARGIN_MS > deps.minRemainingMs,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      },
    );
    recordPollMetrics(metrics, result);
    const summary = summarize(targets.length, result);
    for (const report of result.reports) {
      const { target, publishErrors, jobErrors, skippedRecords, ...rest } = report;
      const where = targetDimension(target);
      const line = {
        target: where,
        ...rest,
        publishErrors: publishErrors.length,
        jobErrors: jobErrors.length,
        skippedRecords: skippedRecords.length,
      };
      for (const record of skippedRecords) logger.warn(skippedRecordLine(where, record));
      for (const error of jobErrors)
        logger.error('job not recorded or marked: retried next cycle', { target: where, error });
      if (publishErrors.length > 0)
        logger.warn('cycle left events unpublished', { ...line, errors: publishErrors });
      else if (report.outcome === 'idle') logger.debug('cycle', line);
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
    if (result.failures.length > 0 && result.reports.length === 0) {
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

function summarize(targets: number, result: PollAllResult): PollSummary {
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
    // Adaptive rounds poll a target more than once: count targets, not cycles.
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
  };
}
