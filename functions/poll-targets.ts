import type { SQSBatchItemFailure, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { ENV, englishMessage, targetSchema } from '../shared/config';
import { LAMBDA_ENV, targetDimension } from '../shared/contract';
import type { PollAllResult } from '../shared/cycle/poll-all';
import { fieldPath } from '../shared/issue-text';
import { looksLikeSubTick, subTickMessageSchema } from '../shared/sub-tick';
import { defaultEndpoint, type Target } from '../shared/target';

/** Where an invocation's targets may come from besides its event. */
export interface TargetSources {
  /** `WATCHER_TARGETS`, when set (the CLI and environment-only deployments); may be empty. */
  readonly configured: readonly Target[];
  /**
   * Endpoints a target in an event may name besides the public ones of its region
   * (`WATCHER_ALLOWED_ENDPOINTS`); those of `configured` are allowed too.
   */
  readonly allowedEndpoints: readonly string[];
}

/** Which targets one invocation polls, and, for an SQS batch, which message asked for which. */
export interface EventTargets {
  /** The targets of the schedule's tick (its input, the configured ones, or fan-out messages). */
  readonly targets: readonly Target[];
  /** The targets of the batch's sub-tick messages, once each (a duplicate message polls them once). */
  readonly subTickTargets: readonly Target[];
  /**
   * Set for an SQS batch: message id to the keys (`<region>/<projectId>`) of the targets it carries;
   * none for a sub-tick message, which is never retried (the next tick polls every target).
   */
  readonly messages?: ReadonlyMap<string, readonly string[]>;
  /** Fan-out messages refused as a whole (they poll nothing), with the field at fault: retried, then dead-lettered. */
  readonly rejected: readonly { readonly messageId: string; readonly error: string }[];
  /** Sub-tick messages that do not validate: they poll nothing and are dropped (the tick is the retry). */
  readonly dropped: readonly { readonly messageId: string; readonly error: string }[];
}

/** An event or fan-out message whose targets do not validate; the message names the field. */
export class TargetsPayloadError extends Error {
  override readonly name = 'TargetsPayloadError';
}

/** An invocation with no targets: neither its event nor `WATCHER_TARGETS` names any. */
export class NoTargetsError extends Error {
  override readonly name = 'NoTargetsError';
}

const payloadSchema = z.object({
  targets: z.array(targetSchema).check(z.minLength(1, 'needs at least one target')),
});

/**
 * The targets an invocation polls. A scheduled invocation: the targets of its event when it has a
 * `targets` field, else the configured ones. A batch from the fan-out queue: the targets its
 * messages carry, once each; a message that does not validate is refused as a whole. A batch from
 * the sub-tick queue: the targets its messages carry, once each; one that does not validate is
 * dropped. A target may
 * name only a region's public endpoint or an allowed one, so an event cannot point the watcher (and
 * the token it sends) elsewhere.
 * @throws TargetsPayloadError for a scheduled event whose `targets` do not validate.
 * @throws NoTargetsError when there are no targets anywhere.
 */
export function targetsForEvent(event: unknown, sources: TargetSources): EventTargets {
  const allowed = new Set(
    [...sources.allowedEndpoints, ...sources.configured.flatMap((target) => target.endpoint ?? [])].map(
      normalizeEndpoint,
    ),
  );
  if (isSqsEvent(event)) return targetsOfBatch(event, allowed);
  if (typeof event === 'object' && event !== null && 'targets' in event) {
    const parsed = parsePayload(event, allowed);
    if (typeof parsed === 'string') {
      throw new TargetsPayloadError(
        `Invalid poll event: ${parsed} (the event's "targets" is a list of { region, projectId, endpoint? })`,
      );
    }
    return { targets: parsed, ...NO_MESSAGES };
  }
  if (sources.configured.length > 0) return { targets: sources.configured, ...NO_MESSAGES };
  throw new NoTargetsError(
    `No targets to poll: the invocation event has no "targets" field and ${ENV.targets} is not set. ` +
      'Invoke the function from its schedule (the stack puts the targets in the schedule input), ' +
      `send an event such as {"targets": [{"region": "ap-southeast-1", "projectId": "..."}]}, or set ${ENV.targets}`,
  );
}

/**
 * The SQS partial batch response: a message is retried when a target it carries failed or was not
 * started, or when it was refused (so a malformed message ends in the dead-letter queue, alarmed).
 */
export function batchItemFailures(
  eventTargets: Pick<EventTargets, 'messages' | 'rejected'>,
  result: Pick<PollAllResult, 'failures' | 'notStarted'>,
): SQSBatchItemFailure[] {
  const unfinished = new Set([
    ...result.failures.map(({ target }) => targetDimension(target)),
    ...result.notStarted.map(targetDimension),
  ]);
  const rejected = new Set(eventTargets.rejected.map(({ messageId }) => messageId));
  return [...(eventTargets.messages ?? [])]
    .filter(([id, keys]) => rejected.has(id) || keys.some((key) => unfinished.has(key)))
    .map(([itemIdentifier]) => ({ itemIdentifier }));
}

const NO_MESSAGES = { subTickTargets: [], rejected: [], dropped: [] } as const;

function targetsOfBatch(event: SQSEvent, allowed: ReadonlySet<string>): EventTargets {
  const byKey = new Map<string, Target>();
  const messages = new Map<string, readonly string[]>();
  const rejected: { messageId: string; error: string }[] = [];
  const subTicks = new Map<string, Target>();
  const dropped: { messageId: string; error: string }[] = [];
  for (const record of event.Records) {
    const body = jsonOrUndefined(record.body);
    if (looksLikeSubTick(body)) {
      messages.set(record.messageId, []);
      const targets = parseSubTick(body, allowed);
      if (typeof targets === 'string') dropped.push({ messageId: record.messageId, error: targets });
      else for (const target of targets) subTicks.set(targetDimension(target), target);
      continue;
    }
    const parsed = body === undefined ? 'the message body is not JSON' : parsePayload(body, allowed);
    if (typeof parsed === 'string') {
      rejected.push({ messageId: record.messageId, error: parsed });
      messages.set(record.messageId, []);
      continue;
    }
    const keys = parsed.map(targetDimension);
    messages.set(record.messageId, keys);
    parsed.forEach((target, index) => {
      if (!byKey.has(keys[index] as string)) byKey.set(keys[index] as string, target);
    });
  }
  return {
    targets: [...byKey.values()],
    subTickTargets: [...subTicks.values()],
    messages,
    rejected,
    dropped,
  };
}

/** A sub-tick message's targets, or what is wrong with it (`subTick.targets[0].region: ...`). */
function parseSubTick(body: unknown, allowed: ReadonlySet<string>): readonly Target[] | string {
  const result = subTickMessageSchema.safeParse(body, { error: englishMessage });
  if (!result.success) {
    return result.error.issues
      .map((issue) => `${fieldPath(issue.path, 'the payload')}: ${issue.message}`)
      .join('; ');
  }
  const { targets } = result.data.subTick;
  const refused = targets.flatMap(
    (target, index) => endpointRefusal(target, allowed, `subTick.targets[${index}]`) ?? [],
  );
  return refused.length > 0 ? refused.join('; ') : targets;
}

/** Why a target's endpoint is not one it may name, or undefined when it may. */
function endpointRefusal(target: Target, allowed: ReadonlySet<string>, field: string): string | undefined {
  return target.endpoint === undefined || allowed.has(normalizeEndpoint(target.endpoint))
    ? undefined
    : `${field}.endpoint: ${target.endpoint} is not an endpoint of the stack's targets ` +
        `(${LAMBDA_ENV.allowedEndpoints}); leave it out to use ${defaultEndpoint(target.region)}`;
}

/** The payload's targets, or what is wrong with it, naming the field (`targets[1].region: ...`). */
function parsePayload(payload: unknown, allowed: ReadonlySet<string>): readonly Target[] | string {
  const result = payloadSchema.safeParse(payload, { error: englishMessage });
  if (!result.success) {
    return result.error.issues
      .map((issue) => `${fieldPath(issue.path, 'the payload')}: ${issue.message}`)
      .join('; ');
  }
  const { targets } = result.data;
  const refused = targets.flatMap(
    (target, index) => endpointRefusal(target, allowed, `targets[${index}]`) ?? [],
  );
  return refused.length > 0 ? refused.join('; ') : targets;
}

/** Compares endpoints as URLs, so `https://host` and `https://host/` match. */
function normalizeEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).href;
  } catch {
    return endpoint;
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.every((record) => (record as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}

function jsonOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
