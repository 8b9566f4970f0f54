import { buildEvent } from '../build-event';
import { mapLimit } from '../concurrency';
import { DEADLINE_REASON, describeError, type Publisher } from '../publish/publisher';
import type { StoredJob, TaskStore } from '../store/task-store';
import type { Target } from '../target';
import type { JobChange, TransitionType } from '../transition';
import type { TimeBudget } from './budget';
import type { VersionedState } from './digest';

/** Store writes in flight at once (each is one conditional write). */
const WRITE_CONCURRENCY = 8;

/** What recording needs from the poll. */
export interface RecordDeps {
  readonly store: TaskStore;
  readonly target: Target;
  /** The claim owner: every job write carries it. */
  readonly writer: string;
  /** No write starts once it has expired. */
  readonly budget: TimeBudget;
}

/** What the record step did. */
export interface Records {
  /** Jobs written, as they now stand (with the events left pending on them). */
  readonly written: ReadonlyMap<string, StoredJob>;
  /** Jobs whose write was refused (their version had moved on), as they stand; null: no item. */
  readonly refused: ReadonlyMap<string, StoredJob | null>;
  /** Jobs whose write failed, with the reason. */
  readonly failed: ReadonlyMap<string, string>;
  /** Changes not written: refused, failed, or no time left. The next poll fetches them afresh. */
  readonly unwritten: readonly JobChange[];
  readonly transitions: Partial<Record<TransitionType, number>>;
}

/**
 * Writes each change, its events appended to the job's outbox, conditional on the version the poll
 * diffed against. A refused write is not retried against newer state: the item that refused it
 * refreshes the digest, and the next poll diffs a fresh fetch. A write that fails is reported for
 * that job alone; the others go on.
 */
export async function recordChanges(
  deps: RecordDeps,
  changes: readonly JobChange[],
  previous: ReadonlyMap<string, VersionedState>,
): Promise<Records> {
  const written = new Map<string, StoredJob>();
  const refused = new Map<string, StoredJob | null>();
  const failed = new Map<string, string>();
  const unwritten: JobChange[] = [];
  const transitions: Partial<Record<TransitionType, number>> = {};
  await mapLimit(changes, WRITE_CONCURRENCY, async (change) => {
    if (deps.budget.expired()) {
      unwritten.push(change);
      return;
    }
    const detectedAt = new Date(deps.budget.now());
    try {
      const result = await deps.store.recordJob(deps.target, {
        state: change.next,
        events: change.transitions.map((transition) => buildEvent(deps.target, transition, detectedAt)),
        expectedVersion: previous.get(change.jobId)?.version ?? null,
        writer: deps.writer,
      });
      if (result.written === undefined) {
        refused.set(change.jobId, result.refused);
        unwritten.push(change);
        return;
      }
      written.set(change.jobId, result.written);
      for (const { type } of change.transitions) transitions[type] = (transitions[type] ?? 0) + 1;
    } catch (error) {
      failed.set(change.jobId, describeError(error));
      unwritten.push(change);
    }
  });
  return { written, refused, failed, unwritten, transitions };
}

/** What the publish step did. */
export interface Delivery {
  /** Ids every sink accepted, by job. */
  readonly accepted: ReadonlyMap<string, readonly string[]>;
  readonly published: number;
  /** One line per event a sink refused: event, job, sink and reason. */
  readonly errors: readonly string[];
  /** Some events were not sent because the work time ran out. */
  readonly deadlineReached: boolean;
}

/**
 * Offers every pending event to every sink, each job's in the order they were recorded: in rounds,
 * the oldest unpublished event of every job in one batch per sink. An event is published once every
 * sink accepted it; one that a sink refused stays pending with every later event of its job (so no
 * sink gets a job's newer state before its older one), and is offered again by a later cycle under
 * the same id. No send starts at or after `deadlineMs`. One round when no job has more than one
 * event pending, the usual case.
 */
export async function publishPending(
  publishers: readonly Publisher[],
  jobs: ReadonlyMap<string, StoredJob>,
  deadlineMs: number,
  now: () => number,
): Promise<Delivery> {
  const queues = [...jobs]
    .filter(([, stored]) => stored.pending.length > 0)
    .map(([jobId, stored]) => ({ jobId, events: stored.pending }));
  const accepted = new Map<string, string[]>();
  const errors: string[] = [];
  let published = 0;
  let deadlineReached = false;
  for (let round = 0; ; round++) {
    const batch = queues.flatMap(({ jobId, events }) => {
      const event = events[round];
      return event !== undefined && (accepted.get(jobId)?.length ?? 0) === round ? [{ jobId, event }] : [];
    });
    if (batch.length === 0) break;
    const budgetMs = deadlineMs - now();
    if (budgetMs <= 0) {
      deadlineReached = true;
      break;
    }
    const events = batch.map(({ event }) => event);
    const results = await Promise.all(
      publishers.map((publisher) =>
        publisher.publish(events, Number.isFinite(budgetMs) ? { budgetMs } : {}).catch((error: unknown) => ({
          refused: events.map((event) => ({ id: event.id, reason: describeError(error) })),
        })),
      ),
    );
    const refusedIds = new Set<string>();
    const jobOf = new Map(batch.map(({ jobId, event }) => [event.id, jobId]));
    for (const [index, result] of results.entries()) {
      const sink = publishers[index]?.name ?? 'sink';
      for (const { id, reason } of result.refused) {
        refusedIds.add(id);
        if (reason === DEADLINE_REASON) deadlineReached = true;
        else errors.push(`event ${id} (job ${jobOf.get(id)}) to ${sink}: ${reason}`);
      }
    }
    for (const { jobId, event } of batch) {
      if (refusedIds.has(event.id)) continue;
      accepted.set(jobId, [...(accepted.get(jobId) ?? []), event.id]);
      published += 1;
    }
  }
  return { accepted, published, errors, deadlineReached };
}

/** What marking left. */
export interface Marks {
  /** Events still pending per job after marking (jobs with none are absent). */
  readonly pendingLeft: ReadonlyMap<string, number>;
  /** One line per job whose mark failed: its events go out again next cycle, under the same ids. */
  readonly errors: readonly string[];
}

/** Removes the published ids from each job's outbox; a failed mark leaves them to be sent again. */
export async function markPublished(
  store: TaskStore,
  target: Target,
  jobs: ReadonlyMap<string, StoredJob>,
  delivery: Delivery,
): Promise<Marks> {
  const pendingLeft = new Map<string, number>();
  const errors: string[] = [];
  await mapLimit([...jobs], WRITE_CONCURRENCY, async ([jobId, stored]) => {
    const ids = delivery.accepted.get(jobId) ?? [];
    if (ids.length === 0) {
      if (stored.pending.length > 0) pendingLeft.set(jobId, stored.pending.length);
      return;
    }
    try {
      const left = await store.markPublished(target, jobId, ids);
      if (left > 0) pendingLeft.set(jobId, left);
    } catch (error) {
      errors.push(`job ${jobId}: mark failed: ${describeError(error)}`);
      pendingLeft.set(jobId, stored.pending.length);
    }
  });
  return { pendingLeft, errors };
}
