import { buildEvent } from './build-event';
import { mapLimit } from './concurrency';
import type { CycleOptions } from './config';
import type { VersionedState } from './cycle-digest';
import { CycleError, CycleStep, RecordConflictError } from './cycle-errors';
import { diffJobs } from './diff';
import type { JobEvent } from './job-event';
import { describeError, type Publisher, publishOne } from './publish/publisher';
import type { Claim, StoredJob, TaskStore } from './store/task-store';
import type { Target } from './target';
import type { JobChange, JobState, TransitionType } from './transition';

/** Times a job is re-read and diffed again when another cycle wrote it first. */
const RECORD_ATTEMPTS = 3;
/** Store writes in flight at once (each is one conditional write). */
const WRITE_CONCURRENCY = 8;
/** Leave this much of a claim unused: a cycle stops publishing before another may take over. */
const CLAIM_SAFETY_MS = 5_000;

/** What the outbox steps need from the cycle. */
export interface OutboxDeps {
  readonly store: TaskStore;
  readonly publishers: readonly Publisher[];
  readonly options: CycleOptions;
  readonly now: () => number;
}

/** A job this cycle wrote. */
export interface RecordedChange {
  readonly state: JobState;
  readonly version: number;
  readonly transitions: JobChange['transitions'];
  /** Events this cycle owns and publishes, oldest first. */
  readonly outbox: readonly JobEvent[];
  /** Events on the item this cycle does not own (another live cycle's, or unclaimed). */
  readonly unownedPending: number;
}

/** The records of one cycle. */
export interface Records {
  readonly recorded: ReadonlyMap<string, RecordedChange>;
  /** Jobs another cycle had written first that needed nothing more, as re-read (null: not stored). */
  readonly reread: ReadonlyMap<string, StoredJob | null>;
  readonly transitions: Partial<Record<TransitionType, number>>;
}

/** When the scan behind a cycle's changes started and ended (epoch ms). */
export interface ScanTime {
  readonly startedMs: number;
  readonly endedMs: number;
}

/**
 * Records each change with an optimistic lock and this cycle's claim on the events; a job another
 * cycle wrote first is re-read and diffed again, unless that cycle's scan ended after this one's
 * started: then this cycle's copy may be the older one, and it leaves the job to the next cycle
 * rather than move it back.
 */
export async function recordChanges(
  deps: OutboxDeps,
  target: Target,
  changes: readonly JobChange[],
  previous: ReadonlyMap<string, VersionedState>,
  claim: Claim,
  scan: ScanTime,
): Promise<Records> {
  const results = await mapLimit(changes, WRITE_CONCURRENCY, (change) =>
    recordChange(deps, target, change, previous.get(change.jobId)?.version ?? null, claim, scan),
  );
  const recorded = new Map<string, RecordedChange>();
  const reread = new Map<string, StoredJob | null>();
  const transitions: Partial<Record<TransitionType, number>> = {};
  for (const [index, result] of results.entries()) {
    const jobId = changes[index]?.jobId ?? '';
    if ('current' in result) {
      reread.set(jobId, result.current);
      continue;
    }
    recorded.set(jobId, result);
    for (const transition of result.transitions) {
      transitions[transition.type] = (transitions[transition.type] ?? 0) + 1;
    }
  }
  return { recorded, reread, transitions };
}

async function recordChange(
  deps: OutboxDeps,
  target: Target,
  first: JobChange,
  firstVersion: number | null,
  claim: Claim,
  scan: ScanTime,
): Promise<RecordedChange | { current: StoredJob | null }> {
  let change: JobChange = first;
  let expectedVersion = firstVersion;
  for (let attempt = 1; ; attempt++) {
    const nowMs = deps.now();
    const detectedAt = new Date(nowMs);
    const events = change.transitions.map((transition) => buildEvent(target, transition, detectedAt));
    const done = await deps.store.recordJob(target, {
      state: change.next,
      events,
      expectedVersion,
      claim,
      nowMs,
      observedAtMs: scan.endedMs,
    });
    if (done) return { state: change.next, transitions: change.transitions, ...done };
    if (attempt >= RECORD_ATTEMPTS) {
      throw new RecordConflictError(`job ${first.jobId} kept changing under another cycle`);
    }
    const current = await deps.store.getJob(target, change.jobId);
    if (current?.observedAtMs !== undefined && current.observedAtMs > scan.startedMs) return { current };
    expectedVersion = current?.version ?? null;
    const retried = diffJobs({
      previous: new Map(current ? [[change.jobId, current]] : []),
      fetched: [change.next.job],
      options: deps.options,
      nowMs: deps.now(),
      baseline: false,
    })[0];
    if (retried === undefined) return { current };
    change = retried;
  }
}

/** A job whose outbox the cycle should settle, with what it knows about it. */
export interface OutboxTask {
  readonly jobId: string;
  /** Events the cycle already owns (it recorded them with its claim). */
  readonly owned?: readonly JobEvent[];
  /** Events may be pending that the cycle does not own yet: claim them first. */
  readonly claimFirst: boolean;
  /** The job as read this cycle, if it was: its claim tells whether claiming can succeed. */
  readonly read?: StoredJob;
}

/** How one job's outbox stands after the cycle. */
export interface OutboxSettled {
  /** Events may still be pending on the item: the cursor flags the job for the next cycle. */
  readonly pending: boolean;
  /** The job as it stood when the cycle claimed or read it, when it did. */
  readonly stored?: StoredJob;
  /** Another live cycle holds the job's events. */
  readonly heldByOther: boolean;
}

/** What delivering did, for the report. */
export interface Delivery {
  readonly settled: ReadonlyMap<string, OutboxSettled>;
  readonly published: number;
  readonly pendingLeft: number;
  readonly errors: readonly string[];
}

/**
 * Claims the pending events the cycle should replay, publishes each job's outbox in order to every
 * sink, and marks what all sinks accepted. A failing sink leaves the rest of that job's events
 * pending and its claim released, so the next cycle takes them over; other jobs go on.
 */
export async function settleOutboxes(
  deps: OutboxDeps,
  target: Target,
  tasks: readonly OutboxTask[],
  claim: Claim,
): Promise<Delivery> {
  const claimed = await mapLimit(tasks, WRITE_CONCURRENCY, (task) =>
    claimTask(deps, target, task, claim),
  ).catch((error: unknown) => {
    throw new CycleError(target, CycleStep.Claim, error);
  });
  const settled = new Map<string, OutboxSettled>();
  const errors: string[] = [];
  let published = 0;
  let pendingLeft = 0;
  const stillValid = () => deps.now() < claim.untilMs - CLAIM_SAFETY_MS;
  for (const [index, task] of tasks.entries()) {
    const { outbox, result } = claimed[index] ?? {
      outbox: [],
      result: { pending: false, heldByOther: false },
    };
    if (outbox.length === 0) {
      settled.set(task.jobId, result);
      continue;
    }
    const done = await publishInOrder(deps, task.jobId, outbox, stillValid, errors);
    published += done.length;
    pendingLeft += outbox.length - done.length;
    let left = outbox.length - done.length;
    if (done.length > 0) {
      try {
        left += await deps.store.markPublished(target, task.jobId, done);
      } catch (error) {
        // Published but unmarked: the next cycle sends these again under the same ids.
        errors.push(new CycleError(target, CycleStep.Mark, error).message);
        left += done.length;
      }
    }
    if (left > 0) {
      await deps.store.releaseClaim(target, task.jobId, claim.owner).catch(() => {
        // The claim expires by itself; the next cycle replays once it has.
      });
    }
    settled.set(task.jobId, { ...result, pending: left > 0 });
  }
  return { settled, published, pendingLeft, errors };
}

async function claimTask(
  deps: OutboxDeps,
  target: Target,
  task: OutboxTask,
  claim: Claim,
): Promise<{ outbox: readonly JobEvent[]; result: OutboxSettled }> {
  const owned = task.owned ?? [];
  const read = task.read;
  if (!task.claimFirst) return { outbox: owned, result: { pending: false, heldByOther: false } };
  const nowMs = deps.now();
  if (read && heldByOther(read, claim, nowMs)) {
    return { outbox: owned, result: { pending: true, stored: read, heldByOther: owned.length === 0 } };
  }
  const taken = await deps.store.claimPending(target, task.jobId, claim, nowMs);
  if (taken) {
    const ids = new Set(taken.pending.map((event) => event.id));
    const outbox = [...taken.pending, ...owned.filter((event) => !ids.has(event.id))];
    return { outbox, result: { pending: false, stored: taken, heldByOther: false } };
  }
  // Nothing to claim: the outbox is empty by now, or another cycle holds it. Look which.
  const current = await deps.store.getJob(target, task.jobId);
  const held = current !== null && current.pending.length > 0;
  return {
    outbox: owned,
    result: {
      pending: held,
      ...(current ? { stored: current } : {}),
      heldByOther: held && owned.length === 0,
    },
  };
}

function heldByOther(job: StoredJob, claim: Claim, nowMs: number): boolean {
  return job.claim !== undefined && job.claim.owner !== claim.owner && job.claim.untilMs > nowMs;
}

async function publishInOrder(
  deps: OutboxDeps,
  jobId: string,
  events: readonly JobEvent[],
  stillValid: () => boolean,
  errors: string[],
): Promise<string[]> {
  const done: string[] = [];
  for (const event of events) {
    if (!stillValid()) break;
    const results = await Promise.allSettled(
      deps.publishers.map((publisher) => publishOne(publisher, event)),
    );
    const failed = results.flatMap((result, index) =>
      result.status === 'rejected'
        ? [`${deps.publishers[index]?.name}: ${describeError(result.reason)}`]
        : [],
    );
    if (failed.length > 0) {
      errors.push(...failed.map((line) => `event ${event.id} (job ${jobId}) to ${line}`));
      break;
    }
    done.push(event.id);
  }
  return done;
}
