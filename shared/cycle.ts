import { randomUUID } from 'node:crypto';
import { mapLimit } from './concurrency';
import {
  API_WINDOW_SECONDS,
  type CycleOptions,
  DEFAULT_FULL_RESYNC_SECONDS,
  DEFAULT_OVERLAP_SECONDS,
} from './config';
import {
  applyCursorChanges,
  type CursorChanges,
  cursorChanged,
  type DigestChange,
  digestOf,
  mattersIncrementally,
  openJobs,
  planIncremental,
  startMsOf,
  statesFromDigest,
  type VersionedState,
} from './cycle-digest';
import { CycleError, CycleStep } from './cycle-errors';
import {
  type Delivery,
  type OutboxTask,
  type Records,
  recordChanges,
  type ScanTime,
  settleOutboxes,
} from './cycle-outbox';
import { diffJobs } from './diff';
import { isTerminalStatus, type Job } from './job';
import type { JobsApi } from './jobs/jobs-client';
import type { Publisher } from './publish/publisher';
import type { Cursor, CursorState, JobDigest, StoredJob, TaskStore } from './store/task-store';
import { measureStoreUsage } from './store/usage';
import { type Target, targetKey } from './target';
import type { TransitionType } from './transition';

/** Times the cursor is re-read and merged when another cycle wrote it first. */
const CURSOR_ATTEMPTS = 5;
/** Jobs API lookups by id in flight at once. */
const LOOKUP_CONCURRENCY = 4;
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
}

/** How much of the window a cycle fetched. */
export const ScanKind = {
  /** Only where news can be: from the watermark minus the overlap, plus open jobs. */
  Incremental: 'incremental',
  /** The whole 30-day window with every stored state: the first cycle and every `fullResyncSeconds`. */
  Full: 'full',
} as const;
export type ScanKind = (typeof ScanKind)[keyof typeof ScanKind];

/** What one cycle did, for logs, metrics and the CLI. */
export interface CycleReport {
  readonly target: Target;
  /**
   * `idle`: nothing new; `done`: recorded and/or published; `skipped`: only events another live
   * cycle is publishing were found, and left to it.
   */
  readonly outcome: 'idle' | 'done' | 'skipped';
  readonly baseline: boolean;
  readonly fetchedJobs: number;
  readonly pages: number;
  readonly apiRequests: number;
  readonly recordedJobs: number;
  readonly transitions: Partial<Record<TransitionType, number>>;
  readonly published: number;
  /** Events still in the outbox after this cycle (a sink failed, or the claim ran short). */
  readonly pendingLeft: number;
  /** One line per failed publish: sink and cause. */
  readonly publishErrors: readonly string[];
  readonly durationMs: number;
  readonly scanKind: ScanKind;
  /** Jobs of the target still open (Running or another unfinished status) after the cycle. */
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

/** The jobs a cycle fetched and the states it compares them with. */
interface Fetched {
  readonly scanKind: ScanKind;
  readonly jobs: readonly Job[];
  readonly pages: number;
  readonly requests: number;
  readonly previous: ReadonlyMap<string, VersionedState>;
  /** Full resync only: every stored job, as read (before the scan). */
  readonly stored?: ReadonlyMap<string, StoredJob>;
  /** Incremental only: open jobs of the digest the fetch should have listed and did not, as stored. */
  readonly vanished?: ReadonlyMap<string, StoredJob | null>;
  readonly scanTime: ScanTime;
}

/**
 * One poll cycle for one target. It reads the target's cursor and fetches only where news can be
 * (incremental), or, on the first cycle and every `fullResyncSeconds`, the whole 30-day window with
 * every stored state (full resync). It diffs, records each changed job with its events and a claim
 * on them (outbox), publishes, marks, replays what earlier cycles left pending, and writes the
 * cursor once, only if something changed: an idle incremental cycle reads one item and writes
 * nothing. A failure before recording changes nothing; a failure after leaves recorded events
 * pending for the next cycle.
 */
export async function pollTarget(deps: CycleDeps, target: Target): Promise<CycleReport> {
  const now = deps.now ?? Date.now;
  const startedMs = now();
  const { result, usage } = await measureStoreUsage(() => runCycle(deps, target, now, startedMs));
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
): Promise<CycleWork> {
  const step = <T>(name: CycleStep, work: () => Promise<T>): Promise<T> =>
    work().catch((error: unknown) => {
      throw error instanceof CycleError ? error : new CycleError(target, name, error);
    });
  const overlapMs = (deps.options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) * 1000;
  const fullResyncMs =
    (deps.options.fullResyncSeconds ?? DEFAULT_FULL_RESYNC_SECONDS) *
    1000 *
    (1 - RESYNC_SPREAD * spreadOf(target));

  const cursor = await step(CycleStep.ReadCursor, () => deps.store.getCursor(target));
  const baseline = !cursor?.baselineDone;
  const full =
    baseline ||
    cursor?.jobs === undefined ||
    cursor.lastFullResyncMs == null ||
    startedMs - cursor.lastFullResyncMs >= fullResyncMs;
  const fetched = full
    ? await fetchFull(deps, target, step, startedMs, now)
    : await fetchIncremental(deps, target, cursor, step, { startedMs, overlapMs, now });

  const changes = diffJobs({
    previous: fetched.previous,
    fetched: fetched.jobs,
    options: deps.options,
    nowMs: now(),
    baseline,
  });
  const tasks = replayTasks(cursor, fetched, new Set(changes.map((change) => change.jobId)));
  const vanished = fetched.vanished?.size ?? 0;
  const report = {
    target,
    baseline,
    scanKind: fetched.scanKind,
    fetchedJobs: fetched.jobs.length,
    pages: fetched.pages,
    apiRequests: fetched.requests,
  };
  const watermarkMs = newestStart(fetched.jobs);
  if (
    changes.length === 0 &&
    tasks.length === 0 &&
    vanished === 0 &&
    !full &&
    !watermarkAdvances(cursor, watermarkMs)
  ) {
    return idle(report, cursor);
  }

  const claim = { owner: randomUUID(), untilMs: now() + deps.options.leaseSeconds * 1000 };
  const outboxDeps = { ...deps, now };
  const records = await step(CycleStep.Record, () =>
    recordChanges(outboxDeps, target, changes, fetched.previous, claim, fetched.scanTime),
  );
  const delivery = await step(CycleStep.Publish, () =>
    settleOutboxes(outboxDeps, target, [...tasks, ...recordTasks(records)], claim),
  );

  const saved = await step(CycleStep.SaveCursor, () =>
    saveCursor(
      deps.store,
      target,
      cursor,
      {
        baselineDone: true,
        watermarkMs,
        lastFullResyncMs: full ? startedMs : null,
        jobs: digestChanges(cursor, fetched, records, delivery),
      },
      overlapMs,
      now,
    ),
  );

  const heldByOthers = [...delivery.settled.values()].some((settled) => settled.heldByOther);
  const recordedJobs = records.recorded.size;
  const busy =
    recordedJobs > 0 || delivery.published > 0 || delivery.pendingLeft > 0 || delivery.errors.length > 0;
  return {
    ...report,
    outcome: busy ? 'done' : heldByOthers ? 'skipped' : baseline ? 'done' : 'idle',
    recordedJobs,
    transitions: records.transitions,
    published: delivery.published,
    pendingLeft: delivery.pendingLeft,
    publishErrors: delivery.errors,
    runningJobs: openJobs(saved.jobs),
  };
}

type Step = <T>(name: CycleStep, work: () => Promise<T>) => Promise<T>;

/**
 * How the cycle leaves each job it learned about in the cursor's digest: what it recorded, what it
 * claimed or re-read, and on a full resync every stored job of the window; jobs gone from the window
 * are dropped (never reported).
 */
function digestChanges(
  cursor: Cursor | null,
  fetched: Fetched,
  records: Records,
  delivery: Delivery,
): Map<string, DigestChange> {
  const changes = new Map<string, DigestChange>();
  const set = (id: string, after: JobDigest | null) =>
    changes.set(id, { before: cursor?.jobs?.get(id), after });
  if (fetched.stored) {
    const inWindow = new Set(fetched.jobs.map((job) => job.id));
    for (const [id, stored] of fetched.stored) {
      if (inWindow.has(id)) set(id, digestOf(stored, stored.version, stored.pending.length > 0));
    }
    for (const id of cursor?.jobs?.keys() ?? []) if (!inWindow.has(id)) set(id, null);
  }
  for (const [id, stored] of records.reread) {
    if (stored) set(id, digestOf(stored, stored.version, stored.pending.length > 0));
  }
  for (const [id, settled] of delivery.settled) {
    const known = settled.stored ?? fetched.stored?.get(id);
    const entry = known ? digestOf(known, known.version, settled.pending) : cursor?.jobs?.get(id);
    if (entry) set(id, { ...entry, pending: settled.pending });
  }
  for (const [id, recorded] of records.recorded) {
    set(id, digestOf(recorded.state, recorded.version, delivery.settled.get(id)?.pending ?? false));
  }
  // Gone from the window while open: forgotten (never reported) once nothing of it is pending.
  for (const id of fetched.vanished?.keys() ?? []) {
    if (!delivery.settled.get(id)?.pending) set(id, null);
  }
  return changes;
}

async function fetchFull(
  deps: CycleDeps,
  target: Target,
  step: Step,
  startedMs: number,
  now: () => number,
): Promise<Fetched> {
  // State first: whatever another cycle records after this read makes this cycle's write conflict.
  const stored = await step(CycleStep.LoadState, () => deps.store.loadJobs(target));
  const scanStartedMs = now();
  const scan = await step(CycleStep.Fetch, () =>
    deps.api.scanJobs({
      start: new Date(windowStartMs(startedMs)),
      end: new Date(startedMs),
      pageSize: deps.options.pageSize,
    }),
  );
  return {
    scanKind: ScanKind.Full,
    jobs: scan.jobs,
    pages: scan.pages,
    requests: scan.requests,
    previous: stored,
    stored,
    scanTime: { startedMs: scanStartedMs, endedMs: now() },
  };
}

/**
 * Fetches where news can be (see {@link planIncremental}). An open job of the digest that neither the
 * scan nor its lookup lists has left the window: its item is read, since a cycle that died after
 * recording it may have left events there that no later scan will lead to.
 */
async function fetchIncremental(
  deps: CycleDeps,
  target: Target,
  cursor: Cursor,
  step: Step,
  { startedMs, overlapMs, now }: { startedMs: number; overlapMs: number; now: () => number },
): Promise<Fetched> {
  const digest = cursor.jobs ?? new Map<string, JobDigest>();
  const startMs = windowStartMs(startedMs);
  const plan = planIncremental(
    { jobs: digest, watermarkMs: cursor.watermarkMs ?? null },
    startMs,
    startedMs,
    overlapMs,
  );
  const scanStartedMs = now();
  const scan = await step(CycleStep.Fetch, () =>
    deps.api.scanJobs({
      start: new Date(plan.scanStartMs),
      end: new Date(startedMs),
      pageSize: deps.options.pageSize,
    }),
  );
  const byId = new Map(scan.jobs.map((job) => [job.id, job]));
  const looked = await step(CycleStep.Fetch, () =>
    mapLimit(
      plan.lookupIds.filter((id) => !byId.has(id)),
      LOOKUP_CONCURRENCY,
      (id) =>
        deps.api.listJobs({ id, start_time: new Date(startMs), end_time: new Date(startedMs), limit: 10 }),
    ),
  );
  for (const page of looked) for (const job of page.jobs) if (!byId.has(job.id)) byId.set(job.id, job);
  const scanTime = { startedMs: scanStartedMs, endedMs: now() };
  const jobs = [...byId.values()].filter((job) => mattersIncrementally(job, digest, plan.zoneStartMs));
  const gone = [...digest]
    .filter(([id, entry]) => !isTerminalStatus(entry.status) && !byId.has(id))
    .map(([id]) => id);
  const stored = await step(CycleStep.LoadState, () =>
    mapLimit(gone, LOOKUP_CONCURRENCY, (id) => deps.store.getJob(target, id)),
  );
  return {
    scanKind: ScanKind.Incremental,
    jobs,
    pages: scan.pages + looked.length,
    requests: scan.requests + looked.length,
    previous: statesFromDigest(digest, jobs),
    vanished: new Map(gone.map((id, index) => [id, stored[index] ?? null])),
    scanTime,
  };
}

/** Jobs whose earlier events may still be pending, and which the diff did not touch. */
function replayTasks(cursor: Cursor | null, fetched: Fetched, changed: ReadonlySet<string>): OutboxTask[] {
  const tasks: OutboxTask[] = [];
  if (fetched.stored) {
    for (const [jobId, stored] of fetched.stored) {
      if (stored.pending.length > 0 && !changed.has(jobId))
        tasks.push({ jobId, claimFirst: true, read: stored });
    }
    return tasks;
  }
  for (const [jobId, digest] of cursor?.jobs ?? []) {
    const gone = fetched.vanished?.get(jobId);
    if (gone?.pending.length) tasks.push({ jobId, claimFirst: true, read: gone });
    else if (digest.pending && !changed.has(jobId) && gone === undefined)
      tasks.push({ jobId, claimFirst: true });
  }
  return tasks;
}

/** The outboxes the records produced, and jobs found re-read with events left pending. */
function recordTasks(records: Records): OutboxTask[] {
  const tasks: OutboxTask[] = [];
  for (const [jobId, recorded] of records.recorded) {
    tasks.push({
      jobId,
      owned: recorded.outbox,
      claimFirst: recorded.outbox.length === 0 && recorded.unownedPending > 0,
    });
  }
  for (const [jobId, stored] of records.reread) {
    if (stored && stored.pending.length > 0) tasks.push({ jobId, claimFirst: true, read: stored });
  }
  return tasks;
}

async function saveCursor(
  store: TaskStore,
  target: Target,
  read: Cursor | null,
  changes: CursorChanges,
  overlapMs: number,
  now: () => number,
): Promise<CursorState> {
  let base = read;
  for (let attempt = 1; ; attempt++) {
    const next = applyCursorChanges(base, changes, overlapMs, new Date(now()).toISOString());
    if (!cursorChanged(base, next)) return next;
    if (await store.saveCursor(target, next, base?.revision ?? null)) return next;
    if (attempt >= CURSOR_ATTEMPTS) {
      throw new Error(`the cursor kept changing under other cycles (${attempt} attempts)`);
    }
    base = await store.getCursor(target);
  }
}

function idle(
  report: Omit<
    CycleWork,
    'outcome' | 'recordedJobs' | 'transitions' | 'published' | 'pendingLeft' | 'publishErrors' | 'runningJobs'
  >,
  cursor: Cursor | null,
): CycleWork {
  return {
    ...report,
    outcome: 'idle',
    recordedJobs: 0,
    transitions: {},
    published: 0,
    pendingLeft: 0,
    publishErrors: [],
    runningJobs: openJobs(cursor?.jobs),
  };
}

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

function watermarkAdvances(cursor: Cursor | null, watermarkMs: number | null): boolean {
  return watermarkMs !== null && watermarkMs > (cursor?.watermarkMs ?? Number.NEGATIVE_INFINITY);
}
