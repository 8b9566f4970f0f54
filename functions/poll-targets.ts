import type { SQSBatchItemFailure, SQSEvent } from 'aws-lambda';
import type { PollAllResult } from '../shared/poll-all';
import type { Target } from '../shared/target';
import { targetDimension } from './contract';

/** The body of a fan-out message: the targets to poll, as `<region>/<projectId>`. */
export interface TargetsMessage {
  readonly targets: readonly string[];
}

/** Which targets one invocation polls, and, for an SQS batch, which message asked for which. */
export interface EventTargets {
  readonly targets: readonly Target[];
  /** Set for an SQS batch: message id to the keys of the targets it named. */
  readonly messages?: ReadonlyMap<string, readonly string[]>;
  /** Keys messages named that are not configured targets (dropped). */
  readonly unknown: readonly string[];
}

/**
 * The targets an invocation polls: every configured one for a scheduled invocation; for a batch from
 * the fan-out queue, the configured targets its messages name. A name that is not configured is
 * dropped, so a message cannot point the watcher (and its credentials) at another endpoint.
 */
export function targetsForEvent(event: unknown, configured: readonly Target[]): EventTargets {
  if (!isSqsEvent(event)) return { targets: configured, unknown: [] };
  const byKey = new Map(configured.map((target) => [targetDimension(target), target]));
  const messages = new Map<string, readonly string[]>();
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const record of event.Records) {
    const keys = keysOf(record.body);
    messages.set(record.messageId, keys);
    for (const key of keys) {
      if (byKey.has(key)) wanted.add(key);
      else unknown.push(key);
    }
  }
  return { targets: [...wanted].map((key) => byKey.get(key) as Target), messages, unknown };
}

/**
 * The SQS partial batch response: a message is retried when a target it named failed or was not
 * started; one naming only unknown targets is not (it could never succeed).
 */
export function batchItemFailures(
  messages: ReadonlyMap<string, readonly string[]>,
  result: Pick<PollAllResult, 'failures' | 'notStarted'>,
): SQSBatchItemFailure[] {
  const unfinished = new Set([
    ...result.failures.map(({ target }) => targetDimension(target)),
    ...result.notStarted.map(targetDimension),
  ]);
  return [...messages]
    .filter(([, keys]) => keys.some((key) => unfinished.has(key)))
    .map(([itemIdentifier]) => ({ itemIdentifier }));
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.every((record) => (record as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}

function keysOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as Partial<TargetsMessage>;
    return Array.isArray(parsed.targets) ? parsed.targets.filter((key) => typeof key === 'string') : [];
  } catch {
    return [];
  }
}
