/**
 * The poll of one target. Its correctness rests on five invariants, each held by a test that
 * names it (`invariant N` in test/shared/cycle/invariants.test.ts):
 *
 * 1. An event exists first on its job's item (the outbox), written before it is published; its id
 *    is a pure function of target, job, type, new status, progress step and occurrence, so a
 *    re-publish carries the same id.
 * 2. A job is in the cursor's pending set from before its events are written (the claim write adds
 *    it) until after all of them are published and marked (the final cursor write removes only
 *    entries whose job is past the claimed version with nothing left to publish). Reading the cursor
 *    finds every unpublished event.
 * 3. Only the claim holder writes job items or the cursor, and every write is conditional (job
 *    `version`, cursor `revision`): a poll whose write is refused stops that job; it never re-diffs
 *    an old snapshot against newer state. The next poll fetches afresh.
 * 4. A poll either finishes its claim or leaves it to expire; the next poll republishes the pending
 *    set first. Conditional writes retried by the SDK recognise their own earlier success (the
 *    refusing item names this poll as its writer).
 * 5. Every poll's work is bounded by the invocation's deadline whatever the project's size (new
 *    jobs, open jobs, one resync slice, each a slice that fits the time left), so every target
 *    advances at every tick; a slow or throttled API makes detection slower, never silent.
 */
import type { CycleOptions } from '../config';
import { diffJobs } from '../diff';
import type { JobsApi } from '../jobs/jobs-client';
import type { Publisher } from '../publish/publisher';
import type { Cursor, StoredJob, TaskStore } from '../store/task-store';
import { measureStoreUsage } from '../store/usage';
import type { Target } from '../target';
import type { JobChange } from '../transition';
import { type TimeBudget, timeBudget } from './budget';
import { CLAIM_GRACE_MS, planClaim } from './claim';
import { previousStates, runningJobs, startMsOf } from './digest';
import { CycleError, CycleStep, LeaseLostError } from './errors';
import { type Fetched, fetchPoll } from './fetch';
import { type NextCursor, nextCursor } from './next-cursor';
import { markPublished, publishPending, recordChanges } from './outbox';
import { type Plan, planPoll } from './plan';
import { type CycleReport, type FetchFigures, idleWork, type PollWork, skippedWork } from './report';

export { ScanKind } from './fetch';
export { type CycleReport, notPolledReport } from './report';

/** Fetching stops this long (or a third of what is left, if less) before the deadline: time to record and publish. */
const FETCH_RESERVE_MS = 10_000;

/** The adapters and settings one poll runs with. */
export interface CycleDeps {
  readonly store: TaskStore;
  readonly api: JobsApi;
  readonly publishers: readonly Publisher[];
  readonly options: CycleOptions;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /** Epoch ms by which the poll must be done (the invocation's deadline). Absent: no limit. */
  readonly deadlineMs?: number;
}

/** A cursor its caller has just read for this poll (strongly consistent): the poll does not read it again. */
export interface CycleStart {
  readonly cursor: Cursor | null;
}

/** Polls one target (see the five invariants above), measuring its DynamoDB use and duration. */
export async function pollTarget(deps: CycleDeps, target: Target, start?: CycleStart): Promise<CycleReport> {
  const budget = timeBudget(deps.now ?? Date.now, deps.deadlineMs);
  const startedMs = budget.now();
  const { result, usage } = await measureStoreUsage(() => runPoll(deps, target, budget, start));
  return {
    ...result,
    durationMs: budget.now() - startedMs,
    ddbReadUnits: usage.readUnits,
    ddbWriteUnits: usage.writeUnits,
    ddbReadRequests: usage.readRequests,
    ddbWriteRequests: usage.writeRequests,
  };
}

/** The poll as DESIGN.md's data path tells it: read, fetch, diff, claim, record, publish, mark, write. */
async function runPoll(
  deps: CycleDeps,
  target: Target,
  budget: TimeBudget,
  start: CycleStart | undefined,
): Promise<PollWork> {
  const { store, options } = deps;
  const step = stepper(target);

  // 1. The cursor. A live claim means another poll is at work on this target.
  const cursor = start ? start.cursor : await step(CycleStep.ReadCursor, () => store.getCursor(target));
  if (cursor?.claim && cursor.claim.untilMs > budget.now()) return skippedWork(target, cursor);

  // 2. Fetch what can have news, leaving time to record and publish.
  const plan = planPoll(cursor, budget.now(), options, target);
  const fetchBudget = budget.reserving(Math.min(FETCH_RESERVE_MS, budget.left() / 3));
  const fetched = await step(CycleStep.Fetch, () =>
    fetchPoll(
      { store, api: deps.api, target, pageSize: options.pageSize, budget: fetchBudget },
      cursor,
      plan,
    ),
  );
  const figures = fetchFigures(target, cursor, fetched);
  const pendingItems = withPending(fetched.stored);
  // The API did not answer the first question: nothing to diff; what is pending still goes out.
  if (fetched.newJobsError !== undefined && pendingItems.size === 0) {
    throw new CycleError(target, CycleStep.Fetch, fetched.newJobsError);
  }
  // A first poll sets the baseline only from a whole listing of its new-jobs scan; else the next tries again.
  if (cursor?.baselineAt == null && (fetched.newJobs?.untilMs ?? 0) < plan.nowMs) {
    return { ...idleWork(figures, cursor, fetched.errors), deadlineReached: true };
  }

  // 3. Diff against the digest, or the item where one was read.
  const previous = previousStates(cursor?.jobs ?? new Map(), fetched.jobs, fetched.stored);
  // On the first poll everything listed was there before the watcher: the baseline. Until the
  // baseline is done, the baseline's own second is the baseline's too (its jobs are recorded).
  const baselineAt = cursor?.baselineAt ?? firstBaselineAt(plan, fetched);
  const changes = diffJobs({
    previous,
    fetched: [...fetched.jobs.values()],
    options,
    nowMs: plan.nowMs,
    baselineAt: cursor?.baselineDone
      ? baselineAt
      : cursor?.baselineAt == null
        ? Number.POSITIVE_INFINITY
        : baselineAt + 1000,
  });
  if (!cursor?.baselineDone) changes.push(...newestSecond(fetched, previous, changes, baselineAt));
  const claim = planClaim(cursor, changes, previous, fetched.stored);
  const overlapMs = options.overlapSeconds * 1000;
  const outcome = { cursor, plan, fetched, claimed: claim.entries, baselineAt, overlapMs };
  if (claim.admitted.length === 0 && pendingItems.size === 0) {
    // Nothing to write or publish: at most the cursor's positions move on, without a claim.
    const next = nextCursor({
      ...outcome,
      records: NO_RECORDS,
      marks: NO_MARKS,
      unwritten: claim.waiting,
      offered: new Set(),
    });
    if (!cursorMoved(cursor, next)) return idleWork(figures, cursor, fetched.errors);
    const saved = await step(CycleStep.SaveCursor, () =>
      store.saveCursor(target, next.state, next.done, {
        expectedRevision: cursor?.revision ?? null,
        owner: claim.owner,
        claimed: false,
        nowMs: budget.now(),
      }),
    );
    return saved
      ? idleWork({ ...figures, baseline: !next.state.baselineDone }, cursor, fetched.errors)
      : skippedWork(target, cursor, figures);
  }

  // 4. Claim the target, adding the jobs about to get events to the pending set.
  const claimUntilMs = Math.min(
    budget.now() + options.leaseSeconds * 1000,
    budget.deadlineMs + CLAIM_GRACE_MS,
  );
  const claimed = await step(CycleStep.Record, () =>
    store.claim(
      target,
      {
        owner: claim.owner,
        untilMs: claimUntilMs,
        pending: claim.entries,
        baselineAt,
      },
      cursor?.revision ?? null,
      budget.now(),
    ),
  );
  if (!claimed) return skippedWork(target, cursor, figures);

  // 5. Record each change with its events (the outbox).
  const records = await recordChanges(
    { store, target, writer: claim.owner, budget },
    claim.admitted,
    previous,
  );

  // 6. Publish every pending event: what earlier polls left, and what this one recorded.
  const offered = new Map([...pendingItems, ...withPending(records.written)]);
  const delivery = await publishPending(deps.publishers, offered, budget.deadlineMs, budget.now);

  // 7. Mark what every sink accepted.
  const marks = await markPublished(store, target, offered, delivery);

  // 8. Write the cursor; it frees the claim.
  const unwritten = [...records.unwritten, ...claim.waiting];
  const next = nextCursor({ ...outcome, records, marks, unwritten, offered: new Set(offered.keys()) });
  const saved = await step(CycleStep.SaveCursor, () =>
    store.saveCursor(target, next.state, next.done, {
      expectedRevision: (cursor?.revision ?? 0) + 1,
      owner: claim.owner,
      claimed: true,
      nowMs: budget.now(),
    }),
  );
  if (!saved) throw new CycleError(target, CycleStep.SaveCursor, new LeaseLostError(options.leaseSeconds));

  const pendingLeft = [...marks.pendingLeft.values()].reduce((sum, count) => sum + count, 0);
  const jobErrors = [
    ...fetched.errors,
    ...[...records.failed].map(([jobId, reason]) => `job ${jobId}: record failed: ${reason}`),
    ...marks.errors,
  ];
  return {
    ...figures,
    outcome: 'done',
    recordedJobs: records.written.size,
    transitions: records.transitions,
    published: delivery.published,
    pendingLeft,
    publishErrors: delivery.errors,
    jobErrors,
    degraded: degradedLines(next, claim.waiting.length),
    deadlineReached: delivery.deadlineReached || budget.expired(),
    runningJobs: runningJobs(next.state.jobs),
  };
}

/**
 * Until the baseline is done, its polls record silently, besides the open jobs, the finished jobs
 * that started in the baseline's own second: a job that starts at or after the baseline is then
 * known, or new.
 */
function newestSecond(
  fetched: Fetched,
  previous: ReadonlyMap<string, unknown>,
  changes: readonly JobChange[],
  baselineAt: number,
): JobChange[] {
  const changed = new Set(changes.map((change) => change.jobId));
  return [...fetched.jobs.values()]
    .filter((job) => startMsOf(job) >= baselineAt && !changed.has(job.id) && !previous.has(job.id))
    .map((job) => ({
      jobId: job.id,
      next: { job, progressStep: null, stalledReported: false, occurrences: {} },
      transitions: [],
    }));
}

/**
 * The baseline of a target's first poll, in the API's own times: the newest start it listed (the
 * start of its new-jobs scan when it listed nothing). A job that starts after it was not there when
 * the watcher first looked, whatever the skew between the watcher's clock and the API's.
 */
function firstBaselineAt(plan: Plan, fetched: Fetched): number {
  let newestMs: number | null = null;
  for (const job of fetched.jobs.values()) newestMs = Math.max(newestMs ?? 0, startMsOf(job));
  return newestMs ?? plan.newJobsFromMs;
}

/** Runs a step, naming the target and the step in what it throws. */
function stepper(target: Target) {
  return <T>(name: CycleStep, work: () => Promise<T>): Promise<T> =>
    work().catch((error: unknown) => {
      throw error instanceof CycleError ? error : new CycleError(target, name, error);
    });
}

/** The items among `items` that hold unpublished events. */
function withPending(items: ReadonlyMap<string, StoredJob>): Map<string, StoredJob> {
  return new Map([...items].filter(([, item]) => item.pending.length > 0));
}

/** Whether the next cursor differs from the one read in anything but the time of the poll. */
function cursorMoved(cursor: Cursor | null, next: NextCursor): boolean {
  if (cursor === null || cursor.revision === null || next.done.length > 0) return true;
  const { state } = next;
  const same =
    state.baselineAt === cursor.baselineAt &&
    state.baselineDone === cursor.baselineDone &&
    state.watermarkMs === cursor.watermarkMs &&
    state.runningFromMs === cursor.runningFromMs &&
    state.lastFullResyncMs === cursor.lastFullResyncMs &&
    state.resyncFromMs === cursor.resyncFromMs &&
    state.resyncUntilMs === cursor.resyncUntilMs &&
    state.jobs.size === cursor.jobs.size &&
    [...state.jobs].every(([id, entry]) => {
      const before = cursor.jobs.get(id);
      return (
        before !== undefined &&
        before.version === entry.version &&
        before.status === entry.status &&
        before.sinceMs === entry.sinceMs
      );
    });
  return !same;
}

function fetchFigures(target: Target, cursor: Cursor | null, fetched: Fetched): FetchFigures {
  return {
    target,
    baseline: !cursor?.baselineDone,
    scanKind: fetched.scanKind,
    fetchedJobs: fetched.jobs.size,
    pages: fetched.pages,
    apiRequests: fetched.requests,
    skippedRecords: fetched.skipped,
  };
}

function degradedLines(next: NextCursor, waiting: number): string[] {
  const lines: string[] = [];
  if (next.truncated > 0)
    lines.push(`digest full: ${next.truncated} jobs are followed through item reads, more slowly`);
  if (waiting > 0)
    lines.push(`pending set full: ${waiting} changes wait until the events already pending are published`);
  return lines;
}

const NO_RECORDS = {
  written: new Map(),
  refused: new Map(),
  failed: new Map(),
  unwritten: [],
  transitions: {},
};
const NO_MARKS = { pendingLeft: new Map(), errors: [] };
