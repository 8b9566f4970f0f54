import type { JobEvent } from '../job-event';
import { PublishError } from './errors';

/** How long a publish may go on. */
export interface PublishOptions {
  /**
   * Milliseconds from the call after which no send may start: what is left of the invocation or of
   * the poll's claim. Events not sent by then are refused with reason {@link DEADLINE_REASON}.
   * Relative, so that the caller's clock and the sink's need not agree.
   */
  readonly budgetMs?: number;
}

/** One event a sink did not take, and why (one line, no secrets). */
export interface RefusedEvent {
  readonly id: string;
  readonly reason: string;
  /** The error behind the refusal, when there was one (for logs; never sent anywhere). */
  readonly cause?: unknown;
}

/** What a sink did with a batch: every event not listed in `refused` was accepted. */
export interface PublishResult {
  readonly refused: readonly RefusedEvent[];
}

/** The reason of events a publisher did not send because the deadline had passed. */
export const DEADLINE_REASON = 'not sent: the deadline passed';

/**
 * Port: somewhere events go (SNS, EventBridge, console, a JSONL file, ...).
 *
 * `publish` takes a batch, oldest first, and answers which events it refused; a sink that can
 * accept some entries of a batch and refuse others (EventBridge `PutEvents`) says so per event.
 * It rejects only when it cannot tell (then the cycle counts the whole batch as refused). A refused
 * event stays in the outbox and is published again, under the same id, by a later cycle.
 */
export interface Publisher {
  /** Short name for logs and metrics, e.g. `sns`, `console`, `jsonl`. */
  readonly name: string;
  publish(events: readonly JobEvent[], options?: PublishOptions): Promise<PublishResult>;
  /** Flushes and releases resources (files, timers, clients it created). */
  close?(): Promise<void>;
}

/** Sends one event; the signal aborts it at the deadline. */
export type SendOne = (event: JobEvent, signal: AbortSignal | undefined) => Promise<void>;

/**
 * `publish` for a sink that takes one event per call: sends in order, records each failure as a
 * refusal and goes on with the next event, and starts no send past the deadline.
 */
export async function publishEach(
  events: readonly JobEvent[],
  options: PublishOptions | undefined,
  send: SendOne,
  now: () => number = Date.now,
): Promise<PublishResult> {
  const refused: RefusedEvent[] = [];
  const deadlineMs = options?.budgetMs === undefined ? undefined : now() + options.budgetMs;
  for (const event of events) {
    const leftMs = deadlineMs === undefined ? undefined : deadlineMs - now();
    if (leftMs !== undefined && leftMs <= 0) {
      refused.push({ id: event.id, reason: DEADLINE_REASON });
      continue;
    }
    try {
      await send(event, leftMs === undefined ? undefined : AbortSignal.timeout(leftMs));
    } catch (error) {
      refused.push({ id: event.id, reason: describeError(error), cause: error });
    }
  }
  return { refused };
}

/**
 * Publishes one event to one sink and throws a {@link PublishError} if the sink refused it: for
 * tools that send single events (send-test, replay).
 */
export async function publishOne(publisher: Publisher, event: JobEvent): Promise<void> {
  const { refused } = await publisher.publish([event]);
  const refusal = refused.find((entry) => entry.id === event.id);
  if (refusal) throw new PublishError(publisher.name, refusal.reason, { cause: refusal.cause });
}

/**
 * An error in one line: a sink's own words for a {@link PublishError}, the message of a plain
 * `Error`, else `Name: message`.
 */
export function describeError(error: unknown): string {
  const text =
    error instanceof PublishError
      ? error.detail
      : error instanceof Error
        ? error.name === 'Error'
          ? error.message
          : `${error.name}: ${error.message}`
        : String(error);
  return text.replace(/\s+/g, ' ').trim();
}
