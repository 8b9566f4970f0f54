import { mapLimit } from '../concurrency';
import { isRunning, type Job } from '../job';
import type { JobsApi, JobsCallOptions, SkippedRecord } from '../jobs/jobs-client';
import type { Cursor, StoredJob, TaskStore } from '../store/task-store';
import type { Target } from '../target';
import { mattersIncrementally, planIncremental } from './digest';

/** Jobs API lookups by id, and job item reads, in flight at once. */
const READ_CONCURRENCY = 4;

/** How much of the window a cycle fetched. */
export const ScanKind = {
  /** Only where news can be: from the watermark minus the overlap, plus running jobs. */
  Incremental: 'incremental',
  /** The whole 30-day window with every stored job: the first cycle and every `fullResyncSeconds`. */
  Full: 'full',
} as const;
export type ScanKind = (typeof ScanKind)[keyof typeof ScanKind];

/** What a cycle fetched from the API and read from the store before it diffs. */
export interface Fetched {
  readonly scanKind: ScanKind;
  /** The jobs the API listed that matter to this cycle. */
  readonly jobs: readonly Job[];
  /** Records the API sent that do not fit the document: left out, named, counted. */
  readonly skipped: readonly SkippedRecord[];
  readonly pages: number;
  readonly requests: number;
  /**
   * Job items read this cycle: every stored job on a full resync; otherwise the jobs the digest
   * marks pending and the jobs of an expired lease's intent (a cycle that died may have left them
   * changed, with events pending).
   */
  readonly read: ReadonlyMap<string, StoredJob>;
  /** Incremental only: running jobs of the digest that the API no longer lists (left the window). */
  readonly vanished: ReadonlySet<string>;
}

/** The store and API a fetch uses, and how long it may take. */
export interface FetchDeps {
  readonly store: TaskStore;
  readonly api: JobsApi;
  readonly pageSize: 10 | 20 | 50;
  /** What is left of the cycle's time, asked before each call (a scan, a look-up). */
  readonly call: () => JobsCallOptions;
}

/** Every stored job, then the whole window. */
export async function fetchFull(
  deps: FetchDeps,
  target: Target,
  window: { readonly startMs: number; readonly endMs: number },
): Promise<Fetched> {
  const read = await deps.store.loadJobs(target);
  const scan = await deps.api.scanJobs(
    { start: new Date(window.startMs), end: new Date(window.endMs), pageSize: deps.pageSize },
    deps.call(),
  );
  return {
    scanKind: ScanKind.Full,
    jobs: scan.jobs,
    skipped: scan.skipped,
    pages: scan.pages,
    requests: scan.requests,
    read,
    vanished: new Set(),
  };
}

/**
 * Fetches where news can be (see `planIncremental`): one window scan from the watermark minus the
 * overlap, and running jobs older than that by id. Then reads the job items whose events may be
 * pending: those the digest marks, and an expired lease's intent.
 */
export async function fetchIncremental(
  deps: FetchDeps,
  target: Target,
  cursor: Cursor,
  window: { readonly startMs: number; readonly endMs: number; readonly overlapMs: number },
): Promise<Fetched> {
  const digest = cursor.jobs;
  const plan = planIncremental(cursor, window.startMs, window.endMs, window.overlapMs);
  const scan = await deps.api.scanJobs(
    { start: new Date(plan.scanStartMs), end: new Date(window.endMs), pageSize: deps.pageSize },
    deps.call(),
  );
  const byId = new Map(scan.jobs.map((job) => [job.id, job]));
  const skipped = [...scan.skipped];
  const lookups = plan.lookupIds.filter((id) => !byId.has(id));
  const looked = await mapLimit(lookups, READ_CONCURRENCY, (id) =>
    deps.api.listJobs(
      { id, start_time: new Date(window.startMs), end_time: new Date(window.endMs), limit: 10 },
      deps.call(),
    ),
  );
  for (const page of looked) {
    for (const job of page.jobs) if (!byId.has(job.id)) byId.set(job.id, job);
    skipped.push(...page.skipped);
  }
  const skippedIds = new Set(skipped.map((record) => record.jobId));
  const vanished = new Set(
    [...digest]
      .filter(([id, entry]) => isRunning(entry.status) && !byId.has(id) && !skippedIds.has(id))
      .map(([id]) => id),
  );
  const toRead = new Set([...digest].filter(([, entry]) => entry.pending).map(([id]) => id));
  for (const id of cursor.lease?.intent ?? []) toRead.add(id);
  const ids = [...toRead];
  const items = await mapLimit(ids, READ_CONCURRENCY, (id) => deps.store.getJob(target, id));
  const read = new Map<string, StoredJob>();
  for (const item of items) if (item) read.set(item.job.id, item);
  return {
    scanKind: ScanKind.Incremental,
    jobs: [...byId.values()].filter((job) => mattersIncrementally(job, digest, plan.zoneStartMs)),
    skipped,
    pages: scan.pages + looked.length,
    requests: scan.requests + looked.length,
    read,
    vanished,
  };
}
