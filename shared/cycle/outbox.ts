import { buildEvent } from '../build-event';
import { mapLimit } from '../concurrency';
import { diffJobs } from '../diff';
import { DEADLINE_REASON, describeError, type Publisher } from '../publish/publisher';
import type { StoredJob, TaskStore } from '../store/task-store';
import type { Target } from '../target';
import type { DiffOptions, JobChange, TransitionType } from '../transition';
import { expectedVersionOf, type VersionedState } from './digest';

/** Times a job is re-read and diffed again when its version had moved on. */
const RECORD_ATTEMPTS = 3;
/** Store writes in flight at once (each is one conditional write). */
const WRITE_CONCURRENCY = 8;

/** What recording needs from the cycle. */
export interface RecordDeps {
  readonly store: TaskStore;
  readonly options: DiffOptions;
  readonly now: () => number;
  /** Whether the target's baseline is still being recorded (re-diffs must keep it silent). */
  readonly baseline: boolean;
  /** No write starts at or after this instant (epoch ms): the lease, or the deadline, ends. */
  readonly workUntilMs: number;
}

/** What the record step did. */
export interface Records {
  /** Jobs written, as they now stand (with the events left pending on them). */
  readonly written: ReadonlyMap<string, StoredJob>;
  /** Jobs whose version had moved on and that needed no write once re-read, as read. */
  readonly reread: ReadonlyMap<string, StoredJob>;
  /** Jobs whose write failed, with the reason: retried by the next cycle. */
  readonly failed: ReadonlyMap<string, string>;
  /** Changes left unwritten because the work time ran out. */
  readonly unrecorded: number;
  readonly transitions: Partial<Record<TransitionType, number>>;
}

/**
 * Writes each change, its events appended to the job's outbox, conditional on the version the
 * cycle diffed against. A job whose version moved on (a digest that had not caught up) is re-read
 * and diffed again. A write that fails is reported for that job alone; the others go on.
 */
export async function recordChanges(
  deps: RecordDeps,
  target: Target,
  changes: readonly JobChange[],
  previous: ReadonlyMap<string, VersionedState>,
): Promise<Records> {
  const written = new Map<string, StoredJob>();
  const reread = new Map<string, StoredJob>();
  const failed = new Map<string, string>();
  const transitions: Partial<Record<TransitionType, number>> = {};
  let unrecorded = 0;
  await mapLimit(changes, WRITE_CONCURRENCY, async (change) => {
    if (deps.now() >= deps.workUntilMs) {
      unrecorded += 1;
      return;
    }
    try {
      const result = await recordOne(deps, target, change, expectedVersionOf(previous.get(change.jobId)));
      if (result.written) written.set(change.jobId, result.written);
      else if (result.reread) reread.set(change.jobId, result.reread);
      else if (result.unrecorded) unrecorded += 1;
      for (const type of result.types) transitions[type] = (transitions[type] ?? 0) + 1;
    } catch (error) {
      failed.set(change.jobId, describeError(error));
    }
  });
  return { written, reread, failed, unrecorded, transitions };
}

async function recordOne(
  deps: RecordDeps,
  target: Target,
  first: JobChange,
  firstVersion: number | null,
): Promise<{ written?: StoredJob; reread?: StoredJob; unrecorded?: true; types: TransitionType[] }> {
  let change = first;
  let expectedVersion = firstVersion;
  for (let attempt = 1; ; attempt++) {
    const detectedAt = new Date(deps.now());
    const events = change.transitions.map((transition) => buildEvent(target, transition, detectedAt));
    const written = await deps.store.recordJob(target, { state: change.next, events, expectedVersion });
    if (written) return { written, types: change.transitions.map((transition) => transition.type) };
    if (attempt >= RECORD_ATTEMPTS) {
      throw new RecordConflictError(`job ${first.jobId} kept changing under another writer`);
    }
    // Past the work time another cycle may hold the target, and the newer version may be its record:
    // this cycle's fetched copy may be older than it, so it must not be diffed against it.
    if (deps.now() >= deps.workUntilMs) return { types: [], unrecorded: true };
    const current = await deps.store.getJob(target, change.jobId);
    expectedVersion = current?.version ?? null;
    const retried = diffJobs({
      previous: new Map(current ? [[change.jobId, current]] : []),
      fetched: [change.next.job],
      options: deps.options,
      nowMs: deps.now(),
      baseline: deps.baseline,
    })[0];
    if (retried === undefined) return { ...(current ? { reread: current } : {}), types: [] };
    change = retried;
  }
}

/** The version of a job kept moving on under this cycle's writes; nothing was recorded for it. */
export class RecordConflictError extends Error {
  override readonly name = 'RecordConflictError';
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
