import { randomUUID } from 'node:crypto';
import { type CycleDeps, type CycleReport, notPolledReport, pollTarget } from '../cycle/cycle';
import { runningJobs } from '../cycle/digest';
import { CycleError, CycleStep } from '../cycle/errors';
import type { PollAllDeps, PollAllResult } from '../cycle/poll-all';
import type { FollowUp } from '../store/task-store';
import { measureStoreUsage } from '../store/usage';
import type { Target } from '../target';
import type { FollowUpSender } from './message';
import { type ChainStep, endStep, type PollTrigger, StartAction, startAction } from './rules';

/** One poll to run: a target and what asked for it. */
export interface PollRequest {
  readonly target: Target;
  readonly trigger: PollTrigger;
}

/** What a poll did to its target's follow-up chain. */
export const ChainOutcome = {
  /** Nothing to do: nothing runs and no follow-up was recorded, or the poll failed. */
  None: 'none',
  /** A new follow-up was recorded and sent. */
  Scheduled: 'scheduled',
  /** The lease was held: the follow-up recorded and sent the next link of its chain without polling. */
  KeptAlive: 'kept-alive',
  /** Nothing runs any more: the recorded follow-up was removed. */
  Stopped: 'stopped',
  /** A stale follow-up message: it did nothing. */
  Stale: 'stale',
  /** A follow-up while fast polling is off: it did nothing. */
  Off: 'off',
  /** A tick left the target to its follow-up, due within `fastPollSeconds`. */
  Deferred: 'deferred',
  /** Another poll changed the follow-up first (the conditional write failed): nothing sent. */
  Superseded: 'superseded',
  /** The follow-up was recorded but its message could not be sent (see `followUpError`). */
  SendFailed: 'send-failed',
} as const;
export type ChainOutcome = (typeof ChainOutcome)[keyof typeof ChainOutcome];

/** One poll's cycle report and its chain's outcome. */
export interface ChainedReport {
  readonly trigger: PollTrigger['kind'];
  /**
   * The cycle's report; a target not polled (stale, off, deferred, held) gets an `outcome: 'skipped'`
   * report without API requests. Its DynamoDB figures are the whole poll's: the cursor read, the
   * cycle and the follow-up write.
   */
  readonly report: CycleReport;
  readonly chain: ChainOutcome;
  /** SQS messages sent (0 or 1). */
  readonly followUpsSent: number;
  /** Why a follow-up write or send failed; the next tick repairs the chain. */
  readonly followUpError?: string;
}

/** What chained polls run with besides the cycle's adapters. */
export interface ChainDeps {
  /** Seconds from one poll of a target with running jobs to its follow-up; 0 turns follow-ups off. */
  readonly fastPollSeconds: number;
  /** Where follow-ups go; needed when `fastPollSeconds` > 0. */
  readonly followUps?: FollowUpSender;
  /** New chain ids; random UUIDs by default (tests inject). */
  readonly newChainId?: () => string;
}

/**
 * Polls one target for a tick or a follow-up: reads the cursor once, decides by the chain rules
 * (shared/follow-up/rules.ts) whether to run the cycle, runs it with that cursor, and then
 * schedules, keeps alive or stops the target's follow-up chain. A follow-up write or send that
 * fails does not fail the target (its events are out): it is reported, and the tick repairs it.
 * @throws CycleError when the cursor read or the cycle fails.
 */
export async function pollChained(deps: CycleDeps & ChainDeps, request: PollRequest): Promise<ChainedReport> {
  const now = deps.now ?? Date.now;
  const startedMs = now();
  const { target, trigger } = request;
  const { result, usage } = await measureStoreUsage(async () => {
    const cursor = await deps.store.getCursor(target).catch((error: unknown) => {
      throw new CycleError(target, CycleStep.ReadCursor, error);
    });
    const action = startAction({ trigger, cursor, nowMs: now(), fastPollSeconds: deps.fastPollSeconds });
    const report = action === StartAction.Poll ? await pollTarget(deps, target, { cursor }) : null;
    const ran =
      action === StartAction.Held || report?.outcome === 'skipped'
        ? 'held'
        : action === StartAction.Poll
          ? 'polled'
          : 'nothing';
    const step = endStep({
      trigger,
      recorded: cursor?.followUp ?? null,
      ran,
      runningJobs: report?.runningJobs ?? runningJobs(cursor?.jobs),
      fastPollSeconds: deps.fastPollSeconds,
    });
    const chained = await applyStep(deps, target, step, ran === 'held', now);
    return {
      report: report ?? notPolledReport(target, cursor),
      ...(step.kind === 'none' ? { ...chained, chain: outcomeOf(action) } : chained),
    };
  });
  return {
    trigger: trigger.kind,
    ...result,
    report: {
      ...result.report,
      durationMs: now() - startedMs,
      ddbReadUnits: usage.readUnits,
      ddbWriteUnits: usage.writeUnits,
      ddbReadRequests: usage.readRequests,
      ddbWriteRequests: usage.writeRequests,
    },
  };
}

type Applied = Pick<ChainedReport, 'chain' | 'followUpsSent' | 'followUpError'>;

async function applyStep(
  deps: CycleDeps & ChainDeps,
  target: Target,
  step: ChainStep,
  held: boolean,
  now: () => number,
): Promise<Applied> {
  if (step.kind === 'none') return { chain: ChainOutcome.None, followUpsSent: 0 };
  try {
    if (step.kind === 'stop') {
      const stopped = await deps.store.setFollowUp(target, null, step.expected);
      return { chain: stopped ? ChainOutcome.Stopped : ChainOutcome.Superseded, followUpsSent: 0 };
    }
    if (!deps.followUps) throw new Error('fastPollSeconds is above 0 but no follow-up sender is configured');
    const next: FollowUp = {
      chain: (deps.newChainId ?? randomUUID)(),
      dueMs: now() + deps.fastPollSeconds * 1000,
    };
    if (!(await deps.store.setFollowUp(target, next, step.expected))) {
      return { chain: ChainOutcome.Superseded, followUpsSent: 0 };
    }
    try {
      await deps.followUps.send({ followUp: { target, ...next } }, deps.fastPollSeconds);
    } catch (error) {
      return { chain: ChainOutcome.SendFailed, followUpsSent: 0, followUpError: describe(error) };
    }
    return { chain: held ? ChainOutcome.KeptAlive : ChainOutcome.Scheduled, followUpsSent: 1 };
  } catch (error) {
    return {
      chain: ChainOutcome.None,
      followUpsSent: 0,
      followUpError: `follow-up not recorded: ${describe(error)}`,
    };
  }
}

function outcomeOf(action: StartAction): ChainOutcome {
  switch (action) {
    case StartAction.Stale:
      return ChainOutcome.Stale;
    case StartAction.Off:
      return ChainOutcome.Off;
    case StartAction.Defer:
      return ChainOutcome.Deferred;
    default:
      return ChainOutcome.None;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Every chained poll of one invocation: the cycle reports, the chains' outcomes and the failures. */
export interface ChainedResult extends PollAllResult {
  readonly chained: readonly ChainedReport[];
  readonly failures: readonly {
    readonly target: Target;
    readonly error: Error;
    readonly trigger: PollTrigger['kind'];
  }[];
  /** Requests not started because `shouldStart` said no; their targets are in `notStarted`. */
  readonly notStartedRequests: readonly PollRequest[];
}

/**
 * Runs `requests` with at most `concurrency` in flight, as `pollAll` does targets: one request's
 * failure does not stop the others; `shouldStart` is asked before each.
 */
export async function pollRequests(
  deps: PollAllDeps & ChainDeps,
  requests: readonly PollRequest[],
  options: { readonly concurrency: number; readonly shouldStart?: () => boolean },
): Promise<ChainedResult> {
  const chained: ChainedReport[] = [];
  const failures: { target: Target; error: Error; trigger: PollTrigger['kind'] }[] = [];
  const notStartedRequests: PollRequest[] = [];
  const queue = [...requests];
  const worker = async (): Promise<void> => {
    for (let request = queue.shift(); request; request = queue.shift()) {
      if (options.shouldStart && !options.shouldStart()) {
        notStartedRequests.push(request);
        continue;
      }
      try {
        const api = await deps.apiFor(request.target);
        chained.push(await pollChained({ ...deps, api }, request));
      } catch (error) {
        failures.push({
          target: request.target,
          error: error instanceof Error ? error : new Error(String(error)),
          trigger: request.trigger.kind,
        });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, requests.length)) }, worker),
  );
  return {
    reports: chained.map((entry) => entry.report),
    chained,
    failures,
    notStarted: notStartedRequests.map((request) => request.target),
    notStartedRequests,
  };
}
