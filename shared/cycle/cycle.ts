import { randomUUID } from 'node:crypto';
import {
  API_WINDOW_SECONDS,
  type CycleOptions,
  DEFAULT_FULL_RESYNC_SECONDS,
  DEFAULT_OVERLAP_SECONDS,
} from '../config';
import { diffJobs } from '../diff';
import { isTerminalStatus, type Job } from '../job';
import type { JobsApi, SkippedRecord } from '../jobs/jobs-client';
import type { Publisher } from '../publish/publisher';
import type { Cursor, CursorState, JobDigest, Lease, StoredJob, TaskStore } from '../store/task-store';
import { measureStoreUsage } from '../store/usage';
import { type Target, targetKey } from '../target';
import type { JobChange, TransitionType } from '../transition';
import {
  digestOf,
  previousStates,
  pruneDigest,
  runningJobs,
  startMsOf,
  UNRECORDED_VERSION,
  unrecordedOf,
  type VersionedState,
} from './digest';
import { CycleError, CycleStep, LeaseLostError } from './errors';
import { type Fetched, fetchFull, fetchIncremental, ScanKind } from './fetch';
import { type Marks, markPublished, publishPending, type Records, recordChanges } from './outbox';

export { ScanKind } from './fetch';

/**
 * No record or publish starts this close to the end of the lease (or a quarter of the lease, if
 * shorter): what is in flight then, bounded by the AWS clients' request timeouts, lands before
 * another cycle may take over.
 */
export const LEASE_SAFETY_MS = 10_000;
/**
 * Share of `fullResyncSeconds` by which a target's resyncs come early, fixed per target: targets
 * whose baselines ran in the same invocation drift apart instead of all resyncing at once.
 */
const RESYNC_SPREAD = 0.25;

/** The adapters and settings one cycle runs with. */
export interface CycleDeps {
  readonly store: TaskStore;
  readonly api: JobsApi;
  readonly publishers: readonly Publisher[];
  readonly options: CycleOptions;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /**
   * Epoch ms by which the cycle must be done (the invocation's deadline): the jobs API is not asked
   * past it, and no record or publish starts after it. Absent: no limit but the lease.
   */
  readonly deadlineMs?: number;
}

/** A cursor its caller has just read for this cycle (strongly consistent): the cycle does not read it again. */
export interface CycleStart {
  readonly cursor: Cursor | null;
}

/** What one cycle did, for logs, metrics and the CLI. */
export interface CycleReport {
  readonly target: Target;
  /**
   * `idle`: nothing new; `done`: recorded and/or published; `skipped`: another live cycle holds
   * the target's lease (it does the work).
   */
  readonly outcome: 'idle' | 'done' | 'skipped';
  readonly baseline: boolean;
  readonly fetchedJobs: number;
  readonly pages: number;
  readonly apiRequests: number;
  readonly recordedJobs: number;
  readonly transitions: Partial<Record<TransitionType, number>>;
  readonly published: number;
  /** Events still in the outbox after this cycle (a sink refused, or time ran out). */
  readonly pendingLeft: number;
  /** One line per event a sink refused: event, job, sink and cause. */
  readonly publishErrors: readonly string[];
  /** One line per job whose record or mark failed; it is retried by the next cycles. */
  readonly jobErrors: readonly string[];
  /** Records the API sent that do not fit the document: left out of this cycle, named here. */
  readonly skippedRecords: readonly SkippedRecord[];
  /** The deadline or the lease ended the cycle's work early; the next cycle finishes it. */
  readonly deadlineReached: boolean;
  readonly durationMs: number;
  readonly scanKind: ScanKind;
  /** Jobs of the target that are `Running` after the cycle. */
  readonly runningJobs: number;
  /** DynamoDB capacity the cycle consumed (`ReturnConsumedCapacity`), and its requests. */
  readonly ddbReadUnits: number;
  readonly ddbWriteUnits: number;
  readonly ddbReadRequests: number;
  readonly ddbWriteRequests: number;
}

type CycleWork = Omit<
  CycleReport,
  'durationMs' | 'ddbReadUnits' | 'ddbWriteUnits' | 'ddbReadRequests' | 'ddbWriteRequests'
>;

/**
 * One poll cycle for one target:
 *
 * 1. read the target's cursor, unless the caller has (a live lease: another cycle is at work, skip);
 * 2. fetch: only where news can be (incremental), or the whole window with every stored job (the
 *    baseline, and every `fullResyncSeconds`);
 * 3. diff against the stored states (nothing changed: stop, no write);
 * 4. take the target's lease with the intent (the jobs about to be written), in one write;
 * 5. record each changed job with its events (outbox);
 * 6. publish the pending events to every sink;
 * 7. mark what every sink accepted;
 * 8. write the cursor, which frees the lease.
 *
 * A cycle that dies leaves its lease to expire and its intent on the cursor: the next cycle reads
 * those jobs and publishes what they hold pending, under the original ids.
 */
export async function pollTarget(deps: CycleDeps, target: Target, start?: CycleStart): Promise<CycleReport> {
  const now = deps.now ?? Date.now;
  const startedMs = now();
  const { result, usage } = await measureStoreUsage(() => runCycle(deps, target, now, startedMs, start));
  return {
    ...result,
    durationMs: now() - startedMs,
    ddbReadUnits: usage.readUnits,
    ddbWriteUnits: usage.writeUnits,
    ddbReadRequests: usage.readRequests,
    ddbWriteRequests: usage.writeRequests,
  };
}

async function runCycle(
  deps: CycleDeps,
  target: Target,
  now: () => number,
  startedMs: number,
  start: CycleStart | undefined,
): Promise<CycleWork> {
  const { store, options } = deps;
  const step = <T>(name: CycleStep, work: () => Promise<T>): Promise<T> =>
    work().catch((error: unknown) => {
      throw error instanceof CycleError ? error : new CycleError(target, name, error);
    });
  const overlapMs = (options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) * 1000;
  const deadlineMs = deps.deadlineMs ?? Number.POSITIVE_INFINITY;

  // 1. The cursor. A live lease means another cycle is recording this target right now.
  const cursor = start ? start.cursor : await step(CycleStep.ReadCursor, () => store.getCursor(target));
  if (cursor?.lease && cursor.lease.untilMs > now()) return skipped(target, cursor);

  // 2. Fetch.
  const baseline = !cursor?.baselineDone;
  const full = cursor === null || baseline || fullResyncDue(cursor, startedMs, options, target);
  const window = { startMs: windowStartMs(startedMs), endMs: startedMs, overlapMs };
  const fetchDeps = {
    store,
    api: deps.api,
    pageSize: options.pageSize,
    call: () => (deps.deadlineMs === undefined ? {} : { budgetMs: deadlineMs - now() }),
  };
  const fetched: Fetched = await step(CycleStep.Fetch, () =>
    full || cursor === null
      ? fetchFull(fetchDeps, target, window)
      : fetchIncremental(fetchDeps, target, cursor, window),
  );

  // 3. Diff. A resumed baseline (one a deadline cut) announces jobs newer than it, and what changed
  // since on the jobs it saw but could not record (the cursor remembers their state).
  const digest = cursor?.jobs ?? new Map<string, JobDigest>();
  const previous = previousStates(full ? unrecordedOf(digest) : digest, fetched.jobs, fetched.read);
  const changes = withUnrecorded(
    diffJobs({
      previous,
      fetched: fetched.jobs,
      options,
      nowMs: now(),
      baseline,
      ...(baseline && cursor?.watermarkMs != null ? { baselineStartsBeforeMs: cursor.watermarkMs } : {}),
    }),
    previous,
    fetched.jobs,
  );
  const pendingRead = new Map([...fetched.read].filter(([, job]) => job.pending.length > 0));
  const watermarkMs = maxOrNull(cursor?.watermarkMs ?? null, newestStart(fetched.jobs));
  const report = {
    target,
    baseline,
    scanKind: fetched.scanKind,
    fetchedJobs: fetched.jobs.length,
    pages: fetched.pages,
    apiRequests: fetched.requests,
    skippedRecords: fetched.skipped,
  };
  const cursorOutdated =
    full ||
    cursor?.lease != null ||
    fetched.read.size > 0 ||
    fetched.vanished.size > 0 ||
    watermarkMs !== cursor?.watermarkMs;
  if (changes.length === 0 && pendingRead.size === 0 && !cursorOutdated) return idle(report, cursor);

  // 4. The lease, with the intent, when there are jobs to write. The intent names only what a
  // successor could not find otherwise: the jobs about to get events, or holding them, on an
  // incremental cycle. A full cycle's successor is full too (its resync is still due, or its
  // baseline not done) and reads every job; a silent record leaves nothing pending. So a baseline
  // of a large project does not list every job of the window on the 400 KB cursor item.
  const safetyMs = Math.min(LEASE_SAFETY_MS, (options.leaseSeconds * 1000) / 4);
  let lease: Lease | null = null;
  if (changes.length > 0 || pendingRead.size > 0) {
    const nowMs = now();
    lease = {
      owner: randomUUID(),
      untilMs: Math.min(nowMs + options.leaseSeconds * 1000, deadlineMs + safetyMs),
      intent: full ? [] : [...new Set([...eventful(changes), ...pendingRead.keys()])],
    };
    const taken = await step(CycleStep.Record, () =>
      store.takeLease(target, lease as Lease, cursor?.revision ?? null, nowMs),
    );
    if (!taken) return skipped(target, cursor, report);
  }
  const workUntilMs = Math.min(deadlineMs, (lease?.untilMs ?? Number.POSITIVE_INFINITY) - safetyMs);

  // 5. Record.
  const records = await recordChanges(
    { store, options, now, baseline, workUntilMs },
    target,
    changes,
    previous,
  );

  // 6. Publish what the records and earlier cycles left pending.
  const touched = new Map([...pendingRead, ...records.reread, ...records.written]);
  const delivery = await publishPending(deps.publishers, touched, workUntilMs, now);

  // 7. Mark.
  const marks = await markPublished(store, target, touched, delivery);

  // 8. The cursor; writing it frees the lease.
  const next = nextCursor({
    cursor,
    fetched,
    changes,
    records,
    marks,
    full,
    baseline,
    startedMs,
    watermarkMs,
    overlapMs,
  });
  const nowMs = now();
  const saved = await step(CycleStep.SaveCursor, () =>
    store.saveCursor(
      target,
      next,
      lease
        ? { expectedRevision: (cursor?.revision ?? 0) + 1, leaseOwner: lease.owner, nowMs }
        : { expectedRevision: cursor?.revision ?? null, nowMs },
    ),
  );
  if (!saved && lease)
    throw new CycleError(target, CycleStep.SaveCursor, new LeaseLostError(options.leaseSeconds));
  if (!saved) return skipped(target, cursor, report);

  const pendingLeft = [...marks.pendingLeft.values()].reduce((sum, count) => sum + count, 0);
  const jobErrors = [
    ...[...records.failed].map(([jobId, reason]) => `job ${jobId}: record failed: ${reason}`),
    ...marks.errors,
  ];
  const busy = records.written.size > 0 || delivery.published > 0 || pendingLeft > 0 || jobErrors.length > 0;
  return {
    ...report,
    // Bookkeeping alone (a resync that found nothing new, a forgotten job) is still idle.
    outcome: busy || delivery.errors.length > 0 || baseline ? 'done' : 'idle',
    recordedJobs: records.written.size,
    transitions: records.transitions,
    published: delivery.published,
    pendingLeft,
    publishErrors: delivery.errors,
    jobErrors,
    deadlineReached: delivery.deadlineReached || records.unrecorded > 0,
    runningJobs: runningJobs(next.jobs),
  };
}

/** What the cycle leaves for the next one. */
function nextCursor(input: {
  readonly cursor: Cursor | null;
  readonly fetched: Fetched;
  readonly changes: readonly JobChange[];
  readonly records: Records;
  readonly marks: Marks;
  readonly full: boolean;
  readonly baseline: boolean;
  readonly startedMs: number;
  readonly watermarkMs: number | null;
  readonly overlapMs: number;
}): CursorState {
  const { cursor, fetched, records, marks } = input;
  const pending = (id: string) => (marks.pendingLeft.get(id) ?? 0) > 0;
  const entryOf = (stored: StoredJob) => digestOf(stored, stored.version, pending(stored.job.id));
  const listed = new Set(fetched.jobs.map((job) => job.id));
  for (const record of fetched.skipped) if (record.jobId !== null) listed.add(record.jobId);
  // Full: rebuilt from what the store holds for the jobs still in the window. Incremental: the
  // digest as read. Either way a job's own record, or its item as read, has the last word.
  const jobs = new Map<string, JobDigest>(input.full ? [] : (cursor?.jobs ?? []));
  for (const [id, stored] of fetched.read) {
    if (listed.has(id)) jobs.set(id, entryOf(stored));
    else if (pending(id)) jobs.set(id, entryOf(stored));
    // Read but no longer listed, nothing pending: left the window, forgotten (never reported).
    else jobs.delete(id);
  }
  for (const [id, stored] of [...records.reread, ...records.written]) jobs.set(id, entryOf(stored));
  for (const id of fetched.vanished) if (!pending(id)) jobs.delete(id);
  // A baseline cut short remembers the unfinished jobs it could not record, as they stood.
  if (input.baseline) {
    for (const change of input.changes) {
      const { job } = change.next;
      if (records.written.has(job.id) || records.reread.has(job.id) || isTerminalStatus(job.status)) continue;
      if (!fetched.read.has(job.id)) jobs.set(job.id, digestOf(change.next, UNRECORDED_VERSION, false));
    }
  }

  // A change the cycle could not write (time ran out, or the write failed) is seen again by a full resync.
  const incomplete = records.unrecorded > 0 || records.failed.size > 0;
  const baselineDone = (cursor?.baselineDone ?? false) || !incomplete;
  return {
    baselineDone,
    lastCycleAt: new Date(input.startedMs).toISOString(),
    watermarkMs: input.watermarkMs,
    lastFullResyncMs: incomplete ? null : input.full ? input.startedMs : (cursor?.lastFullResyncMs ?? null),
    jobs: pruneDigest(jobs, input.watermarkMs, input.overlapMs),
  };
}

/**
 * The changes, plus a silent record of each fetched job that a cut baseline left unrecorded and that
 * has not changed since: the resumed baseline stores it, as the cut one would have.
 */
function withUnrecorded(
  changes: JobChange[],
  previous: ReadonlyMap<string, VersionedState>,
  fetched: readonly Job[],
): JobChange[] {
  const changed = new Set(changes.map((change) => change.jobId));
  for (const job of fetched) {
    const state = previous.get(job.id);
    if (state?.version !== UNRECORDED_VERSION || changed.has(job.id)) continue;
    changed.add(job.id);
    const { progressStep, stalledReported, occurrences } = state;
    changes.push({
      jobId: job.id,
      next: { job, progressStep, stalledReported, occurrences },
      transitions: [],
    });
  }
  return changes;
}

/** Ids of the jobs whose change carries transitions (events to publish). */
function eventful(changes: readonly JobChange[]): string[] {
  return changes.filter((change) => change.transitions.length > 0).map((change) => change.jobId);
}

/** Whether this cycle reads the whole window: a full resync is due, or the cursor has no digest yet. */
function fullResyncDue(cursor: Cursor, startedMs: number, options: CycleOptions, target: Target): boolean {
  if (cursor.revision === null || cursor.lastFullResyncMs === null) return true;
  const fullResyncMs =
    (options.fullResyncSeconds ?? DEFAULT_FULL_RESYNC_SECONDS) *
    1000 *
    (1 - RESYNC_SPREAD * spreadOf(target));
  return startedMs - cursor.lastFullResyncMs >= fullResyncMs;
}

function idle(report: Omit<CycleWork, OutcomeFields>, cursor: Cursor | null): CycleWork {
  return { ...report, ...nothingDone, outcome: 'idle', runningJobs: runningJobs(cursor?.jobs) };
}

function skipped(
  target: Target,
  cursor: Cursor | null,
  report: Omit<CycleWork, OutcomeFields> = {
    target,
    baseline: !cursor?.baselineDone,
    scanKind: ScanKind.Incremental,
    fetchedJobs: 0,
    pages: 0,
    apiRequests: 0,
    skippedRecords: [],
  },
): CycleWork {
  return { ...report, ...nothingDone, outcome: 'skipped', runningJobs: runningJobs(cursor?.jobs) };
}

/** The report of a target that was not polled (its follow-up or lease said wait): the cursor read, nothing else. */
export function notPolledReport(target: Target, cursor: Cursor | null): CycleReport {
  return {
    ...skipped(target, cursor),
    durationMs: 0,
    ddbReadUnits: 0,
    ddbWriteUnits: 0,
    ddbReadRequests: 0,
    ddbWriteRequests: 0,
  };
}

type OutcomeFields =
  | 'outcome'
  | 'recordedJobs'
  | 'transitions'
  | 'published'
  | 'pendingLeft'
  | 'publishErrors'
  | 'jobErrors'
  | 'deadlineReached'
  | 'runningJobs';

const nothingDone = {
  recordedJobs: 0,
  transitions: {},
  published: 0,
  pendingLeft: 0,
  publishErrors: [],
  jobErrors: [],
  deadlineReached: false,
} as const;

/** A fixed number in [0, 1) per target (FNV-1a of its key). */
function spreadOf(target: Target): number {
  let hash = 0x811c9dc5;
  for (const char of targetKey(target)) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

function windowStartMs(nowMs: number): number {
  return nowMs - (API_WINDOW_SECONDS - 60) * 1000;
}

function newestStart(jobs: readonly Job[]): number | null {
  let newest: number | null = null;
  for (const job of jobs) {
    const startMs = startMsOf(job);
    if (newest === null || startMs > newest) newest = startMs;
  }
  return newest;
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
