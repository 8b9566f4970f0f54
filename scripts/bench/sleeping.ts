import { type PollAllDeps, type PollAllResult, pollAll } from '../../shared/cycle/poll-all';
import type { Target } from '../../shared/target';

/**
 * A bench-only model of the design fast polling used before issue 13 (the watcher's `pollUntil` until
 * issue 13): the invocation polls every target, then sleeps and polls the targets with running jobs
 * every `fastPollSeconds` until shortly before the next schedule tick. Kept here so the bench can
 * price it beside the sub-tick design; the product has one way, shared/sub-tick.ts.
 */

/** How {@link pollUntil} paces its rounds. */
export interface AdaptivePollOptions {
  /** Cycles in flight at once, per round. */
  readonly concurrency: number;
  /** No round may still run at this instant (epoch ms): the next scheduled poll takes over there. */
  readonly untilMs: number;
  /** Seconds from one round's start to the next for targets with open jobs; 0 polls once. */
  readonly fastPollSeconds: number;
  /** Asked before each target of each round (e.g. the Lambda is about to time out). */
  readonly shouldStart?: () => boolean;
  /** Epoch ms; defaults to `deps.now`, then `Date.now`. */
  readonly now?: () => number;
  /** Waits between rounds; a real timer by default. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Hears each round as it ends (logs, metrics). */
  readonly onRound?: (result: PollAllResult, round: number) => void | Promise<void>;
}

/** Every round of one {@link pollUntil}: all cycle reports and failures, in order. */
export interface AdaptivePollResult extends PollAllResult {
  /** Rounds run; the first polls every target, later ones only targets with open jobs. */
  readonly rounds: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Adaptive polling: polls every target once, then, while some have open (e.g. Running) jobs,
 * polls those again every `fastPollSeconds` as long as a round, judged by the last one's length,
 * can end before `untilMs`. A target with nothing running costs one cycle per schedule; a running
 * job's end is seen within seconds instead of at the next scheduled poll.
 */
export async function pollUntil(
  deps: PollAllDeps,
  targets: readonly Target[],
  options: AdaptivePollOptions,
): Promise<AdaptivePollResult> {
  const now = options.now ?? deps.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const reports: PollAllResult['reports'][number][] = [];
  const failures: PollAllResult['failures'][number][] = [];
  let notStarted: readonly Target[] = [];
  let active: readonly Target[] = targets;
  let rounds = 0;
  let roundStartMs = now();
  for (;;) {
    const result = await pollAll(deps, active, {
      concurrency: options.concurrency,
      ...(options.shouldStart ? { shouldStart: options.shouldStart } : {}),
    });
    rounds += 1;
    reports.push(...result.reports);
    failures.push(...result.failures);
    if (rounds === 1) notStarted = result.notStarted;
    await options.onRound?.(result, rounds);

    const roundMs = now() - roundStartMs;
    active = result.reports.filter((report) => report.runningJobs > 0).map((report) => report.target);
    const nextStartMs = roundStartMs + options.fastPollSeconds * 1000;
    if (options.fastPollSeconds <= 0 || active.length === 0 || nextStartMs + roundMs > options.untilMs) break;
    const waitMs = nextStartMs - now();
    if (waitMs > 0) await sleep(waitMs);
    roundStartMs = now();
  }
  return { reports, failures, notStarted, rounds };
}
