import type { Cursor, FollowUp } from '../store/task-store';

/**
 * The follow-up chain, in five lines:
 *
 * 1. A poll that ends with running jobs (and `fastPollSeconds` > 0) records a new follow-up
 *    `{ chain, dueMs }` on the cursor, conditional on the follow-up it read, and only if that write
 *    wins sends one SQS message carrying it, delayed `fastPollSeconds`; nothing sleeps.
 * 2. A follow-up message whose chain is not the recorded one is stale: it does nothing.
 * 3. A poll that ends with nothing running removes the recorded follow-up: the chain stops.
 * 4. The schedule's tick is the heartbeat: it leaves a target alone while its follow-up is due
 *    within `fastPollSeconds` (and not overdue by more than {@link FOLLOW_UP_GRACE_MS}); an
 *    overdue one (lost, failed) it replaces by polling and starting a new chain.
 * 5. A poll that finds the lease held does not poll: a tick leaves the target to the holder, a
 *    follow-up that owns the chain keeps it alive (records and sends the next link).
 *
 * Every message sent follows a conditional write that replaced exactly the follow-up its writer
 * read, and a message acts only while it is the recorded one: a target has at most one live chain.
 */

/**
 * How long after its due time a recorded follow-up still counts as on its way (SQS delivery, a
 * cold start, the cycle itself): a tick that comes later polls and starts a new chain.
 */
export const FOLLOW_UP_GRACE_MS = 10_000;

/** What asked for a target's poll: a schedule tick (or fan-out message), or a follow-up message. */
export type PollTrigger =
  | { readonly kind: 'tick' }
  | { readonly kind: 'follow-up'; readonly chain: string; readonly dueMs: number };

/** What a poll does once it has read the cursor. */
export const StartAction = {
  /** Run the cycle. */
  Poll: 'poll',
  /** A follow-up whose chain is not the recorded one: nothing, not even an API call. */
  Stale: 'stale',
  /** A follow-up while fast polling is off (`fastPollSeconds` 0): nothing; the next tick removes the record. */
  Off: 'off',
  /** A tick while the target's follow-up is about to run: nothing, the follow-up polls. */
  Defer: 'defer',
  /** Another cycle holds the lease: no poll (the holder does the work); see {@link endStep}. */
  Held: 'held',
} as const;
export type StartAction = (typeof StartAction)[keyof typeof StartAction];

/** What the chain needs to know at the start of a poll. */
export interface StartInput {
  readonly trigger: PollTrigger;
  readonly cursor: Pick<Cursor, 'claim' | 'followUp'> | null;
  readonly nowMs: number;
  readonly fastPollSeconds: number;
}

/**
 * Whether to poll, in this order: a follow-up that is not the recorded one is stale; a follow-up
 * while fast polling is off does nothing; a live lease means another cycle is at work; a tick
 * defers to a follow-up due within `fastPollSeconds` and not overdue by more than
 * {@link FOLLOW_UP_GRACE_MS}. Anything else polls.
 */
export function startAction(input: StartInput): StartAction {
  const { trigger, cursor, nowMs, fastPollSeconds } = input;
  const recorded = cursor?.followUp ?? null;
  if (trigger.kind === 'follow-up') {
    if (recorded?.chain !== trigger.chain) return StartAction.Stale;
    if (fastPollSeconds <= 0) return StartAction.Off;
  }
  if (cursor?.claim && cursor.claim.untilMs > nowMs) return StartAction.Held;
  if (trigger.kind === 'tick' && fastPollSeconds > 0 && recorded !== null && isOnItsWay(recorded, input)) {
    return StartAction.Defer;
  }
  return StartAction.Poll;
}

function isOnItsWay(followUp: FollowUp, input: StartInput): boolean {
  const untilDueMs = followUp.dueMs - input.nowMs;
  return untilDueMs < input.fastPollSeconds * 1000 && -untilDueMs <= FOLLOW_UP_GRACE_MS;
}

/** What a poll does to the chain when it ends. */
export type ChainStep =
  /** Record a new follow-up in place of `expected` (null: none), and send it if that write wins. */
  | { readonly kind: 'schedule'; readonly expected: string | null }
  /** Remove the recorded follow-up `expected`: the chain stops. */
  | { readonly kind: 'stop'; readonly expected: string }
  | { readonly kind: 'none' };

/** What the chain needs to know at the end of a poll. */
export interface EndInput {
  readonly trigger: PollTrigger;
  /** The follow-up the poll read with the cursor. */
  readonly recorded: FollowUp | null;
  /**
   * `polled`: the cycle ran to its end; `held`: it did not poll, or gave way, because another
   * cycle holds or took the lease (start {@link StartAction.Held}, or outcome `skipped`);
   * `nothing`: stale, off or deferred.
   */
  readonly ran: 'polled' | 'held' | 'nothing';
  /** Jobs of the target running after the cycle. */
  readonly runningJobs: number;
  readonly fastPollSeconds: number;
}

/**
 * The chain's next step. A poll that ran continues the chain while jobs run and fast polling is on,
 * in place of the follow-up it read (its own, an overdue one, or none), and otherwise stops a
 * recorded one. A follow-up that found the lease held keeps its own chain alive, so the target is
 * polled again once the holder is done; a tick leaves the chain to the holder, which decides at
 * its own end. Stale, off and deferred polls leave the chain alone.
 */
export function endStep(input: EndInput): ChainStep {
  const { trigger, recorded, ran, fastPollSeconds } = input;
  if (ran === 'nothing') return { kind: 'none' };
  if (ran === 'held') {
    return trigger.kind === 'follow-up' && fastPollSeconds > 0
      ? { kind: 'schedule', expected: trigger.chain }
      : { kind: 'none' };
  }
  if (fastPollSeconds > 0 && input.runningJobs > 0)
    return { kind: 'schedule', expected: recorded?.chain ?? null };
  return recorded === null ? { kind: 'none' } : { kind: 'stop', expected: recorded.chain };
}
