import * as z from 'zod/mini';
import { targetSchema } from './config';
import { type CycleReport, notPolledReport, pollTarget } from './cycle/cycle';
import { CycleError, CycleStep } from './cycle/errors';
import type { PollAllDeps, PollAllResult } from './cycle/poll-all';
import { isTerminalStatus } from './job';
import type { Cursor } from './store/task-store';
import { measureStoreUsage } from './store/usage';
import type { Target } from './target';

/**
 * Fast polling by sub-ticks (DESIGN.md "Fast polling: sub-ticks, no chain state"): each schedule
 * tick polls every target and sends the interval's sub-ticks, delayed messages carrying the tick's
 * targets, in one `SendMessageBatch`. A sub-tick polls the targets whose cursor shows open jobs; the
 * others cost one cursor read. Nothing is written for fast polling itself: a lost sub-tick loses
 * fast polling for one interval, a duplicate costs one poll (the claim keeps it safe).
 */

/** The longest `DelaySeconds` SQS accepts. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** What asked for a poll: the schedule's tick (or a fan-out message), or a sub-tick message. */
export const Trigger = { Tick: 'tick', SubTick: 'sub-tick' } as const;
export type Trigger = (typeof Trigger)[keyof typeof Trigger];

/**
 * The cursor shows open jobs: a job in a status other than Completed or Failed, or a job with
 * events still to publish. A sub-tick polls only such targets. (One function, so the core's cursor
 * can say it another way without touching the callers.)
 */
export function hasOpenJobs(cursor: Cursor | null): boolean {
  if ((cursor?.pending.length ?? 0) > 0) return true;
  for (const digest of cursor?.jobs.values() ?? []) if (!isTerminalStatus(digest.status)) return true;
  return false;
}

/**
 * The delays of one schedule interval's sub-ticks: every multiple of `fastPollSeconds` before the
 * next tick, up to SQS's 900 s (15, 30, 45 for a 60 s schedule and 15 s). Empty when fast polling
 * is off (0) or the schedule is no longer than one fast interval.
 */
export function subTickDelays(scheduleSeconds: number, fastPollSeconds: number): number[] {
  if (fastPollSeconds <= 0) return [];
  const delays: number[] = [];
  for (
    let delay = fastPollSeconds;
    delay < scheduleSeconds && delay <= SQS_MAX_DELAY_SECONDS;
    delay += fastPollSeconds
  ) {
    delays.push(delay);
  }
  return delays;
}

/** The body of a sub-tick message: the targets of the tick that sent it. */
export interface SubTickMessage {
  readonly subTick: { readonly targets: readonly Target[] };
}

/** A sub-tick message as validated from a queue record. */
export const subTickMessageSchema = z.object({
  subTick: z.object({
    targets: z.array(targetSchema).check(z.minLength(1, 'needs at least one target')),
  }),
});

/** Whether a parsed message body is meant as a sub-tick (it may still not validate). */
export function looksLikeSubTick(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'subTick' in body;
}

/** Port: sends one message per delay, delayed that many seconds. Returns the SQS requests it made. */
export interface SubTickSender {
  send(message: SubTickMessage, delaysSeconds: readonly number[]): Promise<number>;
}

/** Sub-ticks could not be sent: fast polling is lost for one interval, the next tick sends again. */
export class SubTickSendError extends Error {
  override readonly name = 'SubTickSendError';
}

/** One poll to run: a target and what asked for it. */
export interface PollRequest {
  readonly target: Target;
  readonly trigger: Trigger;
}

/** Every poll of one invocation: the reports (with their triggers) and the failures. */
export interface PolledResult extends PollAllResult {
  readonly triggers: readonly Trigger[];
  /** Reports of targets a sub-tick did not poll (no open jobs): the cursor read only. */
  readonly notPolled: number;
  readonly failures: readonly { readonly target: Target; readonly error: Error; readonly trigger: Trigger }[];
}

/**
 * A sub-tick's poll of one target: one cursor read; the cycle, with that cursor, only when it shows
 * open jobs. The jobs API (and so the credentials secret) is not touched otherwise.
 * @throws CycleError when the cursor read or the cycle fails.
 */
export async function pollSubTick(
  deps: PollAllDeps,
  target: Target,
): Promise<CycleReport & { polled: boolean }> {
  const { result: cursor, usage } = await measureStoreUsage(() =>
    deps.store.getCursor(target).catch((error: unknown) => {
      throw new CycleError(target, CycleStep.ReadCursor, error);
    }),
  );
  if (!hasOpenJobs(cursor)) {
    return {
      ...notPolledReport(target, cursor),
      ddbReadUnits: usage.readUnits,
      ddbReadRequests: usage.readRequests,
      polled: false,
    };
  }
  const api = await deps.apiFor(target);
  const report = await pollTarget({ ...deps, api }, target, { cursor });
  return {
    ...report,
    ddbReadUnits: report.ddbReadUnits + usage.readUnits,
    ddbReadRequests: report.ddbReadRequests + usage.readRequests,
    polled: true,
  };
}

/**
 * Runs `requests` with at most `concurrency` in flight: a tick's request is a cycle, a sub-tick's
 * is {@link pollSubTick}. One request's failure does not stop the others; `shouldStart` is asked
 * before each.
 */
export async function pollRequests(
  deps: PollAllDeps,
  requests: readonly PollRequest[],
  options: { readonly concurrency: number; readonly shouldStart?: () => boolean },
): Promise<PolledResult> {
  const reports: CycleReport[] = [];
  const triggers: Trigger[] = [];
  const failures: { target: Target; error: Error; trigger: Trigger }[] = [];
  const notStarted: Target[] = [];
  let notPolled = 0;
  const queue = [...requests];
  const worker = async (): Promise<void> => {
    for (let request = queue.shift(); request; request = queue.shift()) {
      if (options.shouldStart && !options.shouldStart()) {
        notStarted.push(request.target);
        continue;
      }
      try {
        if (request.trigger === Trigger.SubTick) {
          const { polled, ...report } = await pollSubTick(deps, request.target);
          if (!polled) notPolled += 1;
          reports.push(report);
        } else {
          const api = await deps.apiFor(request.target);
          reports.push(await pollTarget({ ...deps, api }, request.target));
        }
        triggers.push(request.trigger);
      } catch (error) {
        const cause = error instanceof Error ? error : new Error(String(error));
        failures.push({ target: request.target, error: cause, trigger: request.trigger });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, requests.length)) }, worker),
  );
  return { reports, triggers, failures, notStarted, notPolled };
}
