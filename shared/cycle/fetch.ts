import { mapLimit } from '../concurrency';
import { isRunning, isTerminalStatus, type Job, JobStatus } from '../job';
import type { JobsApi, JobsPage, JobsQuery, SkippedRecord } from '../jobs/jobs-client';
import type { Cursor, JobDigest, StoredJob, TaskStore } from '../store/task-store';
import type { Target } from '../target';
import type { TimeBudget } from './budget';
import { startMsOf } from './digest';
import type { Plan } from './plan';

/** Jobs API look-ups by id in flight at once. */
const LOOKUP_CONCURRENCY = 4;
/** Most look-ups by id one poll sends; the rest wait for the next poll. */
export const MAX_LOOKUPS_PER_POLL = 25;
/** Most pages one slice scan reads, however fast the API answers. */
export const MAX_PAGES_PER_SLICE = 100;
/** A job this close to the window's start that a look-up does not find has left the window. */
const LEAVING_WINDOW_MS = 3600 * 1000;

/** How much of the window a poll read. */
export const ScanKind = {
  /** New jobs, open jobs: the incremental work. */
  Incremental: 'incremental',
  /** The incremental work and a slice of the full resync. */
  Full: 'full',
} as const;
export type ScanKind = (typeof ScanKind)[keyof typeof ScanKind];

/** A part of the window read whole: every job that started in `[fromMs, untilMs]`. */
export interface Slice {
  readonly fromMs: number;
  readonly untilMs: number;
}

/** What a poll fetched from the API and read from the store, before it diffs. */
export interface Fetched {
  readonly scanKind: ScanKind;
  /** Every job listed, by id (a later scan's copy wins). */
  readonly jobs: ReadonlyMap<string, Job>;
  /** Where each listed job came from: the new-jobs scan lists jobs the store need not be read for. */
  readonly fromNewJobsScan: ReadonlySet<string>;
  /** Job items read: the pending set's, and listed jobs the digest does not know. */
  readonly stored: ReadonlyMap<string, StoredJob>;
  /** Records the API sent that do not fit the document: left out, named, counted. */
  readonly skipped: readonly SkippedRecord[];
  readonly pages: number;
  readonly requests: number;
  /** The new-jobs scan's slice, and the newest start it listed; null when it failed. */
  readonly newJobs: (Slice & { readonly newestStartMs: number | null }) | null;
  /** The running scan's slice; null when none ran or it failed. */
  readonly running: Slice | null;
  /** The resync slice read; null when none was due or it did not fit. */
  readonly resync: Slice | null;
  /** Digest jobs that left the API's window: forgotten. */
  readonly gone: ReadonlySet<string>;
  /** One line per scan that failed (the poll goes on with the others). */
  readonly errors: readonly string[];
  /** The new-jobs scan's error, when it failed: nothing else can be trusted to be new. */
  readonly newJobsError?: unknown;
}

/** The adapters, the plan and the time a fetch works with. */
export interface FetchDeps {
  readonly store: TaskStore;
  readonly api: JobsApi;
  readonly target: Target;
  readonly pageSize: 10 | 20 | 50;
  /** Fetching stops by this budget's end, leaving the poll time to record and publish. */
  readonly budget: TimeBudget;
}

/**
 * Reads what can have news, each step bounded by the budget: the new jobs, the open jobs (the
 * running scan, then look-ups by id), the pending set's items and the items of listed jobs the
 * digest does not know, then a slice of the full resync with the time left. A step that fails or
 * does not fit is left for the next poll; the others go on.
 */
export async function fetchPoll(deps: FetchDeps, cursor: Cursor | null, plan: Plan): Promise<Fetched> {
  const reader = new Reader(deps);
  const digest = cursor?.jobs ?? new Map<string, JobDigest>();
  const newJobs = await reader.sweep('new jobs', { fromMs: plan.newJobsFromMs, untilMs: plan.nowMs });
  const fromNewJobsScan = new Set(reader.jobs.keys());
  const running =
    plan.runningFromMs === null
      ? null
      : await reader.sweep('running', { fromMs: plan.runningFromMs, untilMs: plan.nowMs }, JobStatus.Running);
  const gone = await reader.lookUp(lookupsOf(digest, plan, reader, running), plan.windowStartMs);
  const resync =
    plan.resync === null || deps.budget.expired() ? null : await reader.sweep('resync', plan.resync);
  const unknown = [...reader.jobs.values()]
    .filter((job) => !digest.has(job.id) && !fromNewJobsScan.has(job.id) && mayBeStored(job, plan))
    .map((job) => job.id);
  const stored = await reader.readItems([...(cursor?.pending ?? []).map((entry) => entry.jobId), ...unknown]);
  return {
    scanKind: resync ? ScanKind.Full : ScanKind.Incremental,
    jobs: reader.jobs,
    fromNewJobsScan,
    stored,
    skipped: reader.skipped,
    pages: reader.pages,
    requests: reader.requests,
    newJobs: newJobs && { ...newJobs, newestStartMs: newestStart(reader.jobs, fromNewJobsScan) },
    running,
    resync,
    gone,
    errors: reader.errors,
    ...(newJobs === null ? { newJobsError: reader.firstError } : {}),
  };
}

/**
 * Whether a listed job the digest does not know may have an item that tells something: an open job,
 * or one that started since the baseline. A finished job from before the baseline that the digest
 * does not know is the baseline's, or was recorded finished long ago: its item is not read.
 */
function mayBeStored(job: Job, plan: Plan): boolean {
  if (plan.baselineAt === null) return false;
  return !isTerminalStatus(job.status) || plan.announceBaseline || startMsOf(job) >= plan.baselineAt;
}

/**
 * The look-ups by id, at most {@link MAX_LOOKUPS_PER_POLL}: first the running jobs of the digest
 * that a complete running-scan slice no longer lists (they stopped running), then the open jobs in
 * other statuses that are due.
 */
function lookupsOf(
  digest: ReadonlyMap<string, JobDigest>,
  plan: Plan,
  reader: Reader,
  running: Slice | null,
) {
  const stopped = running
    ? [...digest]
        .filter(
          ([id, entry]) => isRunning(entry.status) && !reader.jobs.has(id) && !reader.skippedIds.has(id),
        )
        .filter(([, entry]) => entry.startMs >= running.fromMs && entry.startMs <= running.untilMs)
        .map(([id]) => id)
    : [];
  const due = plan.dueLookups.filter((id) => !reader.jobs.has(id));
  return [...new Set([...stopped, ...due])]
    .slice(0, MAX_LOOKUPS_PER_POLL)
    .map((id) => ({ id, startMs: digest.get(id)?.startMs ?? 0 }));
}

/** The API and store reads of one poll, with their tallies. */
class Reader {
  readonly jobs = new Map<string, Job>();
  readonly skipped: SkippedRecord[] = [];
  readonly skippedIds = new Set<string>();
  readonly errors: string[] = [];
  firstError: unknown;
  pages = 0;
  requests = 0;

  constructor(private readonly deps: FetchDeps) {}

  /**
   * Reads `wanted` from its start in slices that fit the time left, one after the other, until it
   * is read to its end or the time is up. Returns the part read whole (from `wanted`'s start), or
   * null when not even the first slice could be read.
   */
  async sweep(name: string, wanted: Slice, status?: string): Promise<Slice | null> {
    let read: Slice | null = null;
    while (!this.deps.budget.expired()) {
      const fromMs = read?.untilMs ?? wanted.fromMs;
      const part = await this.slice(name, { fromMs, untilMs: wanted.untilMs }, status, read !== null);
      if (part === null) break;
      read = { fromMs: wanted.fromMs, untilMs: part.untilMs };
      if (part.untilMs >= wanted.untilMs || part.untilMs <= fromMs) break;
    }
    return read;
  }

  /**
   * Reads every job of a slice of `wanted`, from its start: the whole of it when its pages fit the
   * time left (at the pace of its first page), else its oldest pages that do fit; the slice then
   * ends a second before the newest start they list (the list is newest first, so every job that
   * started before it is on those pages). Null when not even that could be read; the error is kept.
   */
  private async slice(
    name: string,
    wanted: Slice,
    status?: string,
    continuing = false,
  ): Promise<Slice | null> {
    const { budget, pageSize } = this.deps;
    const query = (offset: number): JobsQuery => ({
      start_time: new Date(wanted.fromMs),
      end_time: new Date(wanted.untilMs),
      ...(status ? { status } : {}),
      offset,
      limit: pageSize,
    });
    try {
      if (budget.expired()) throw new Error('no time left before the deadline');
      const startedMs = budget.now();
      const first = await this.page(query(0));
      const pages = Math.ceil(first.total_count / pageSize);
      if (pages <= 1) return wanted;
      const pageMs = Math.max(1, budget.now() - startedMs);
      const fit = Math.min(MAX_PAGES_PER_SLICE, Math.floor(budget.left() / pageMs) - 1);
      if (pages <= fit) {
        const window = { start: new Date(wanted.fromMs), end: new Date(wanted.untilMs), pageSize };
        const scan = await this.deps.api.scanJobs(
          { ...window, ...(status ? { status } : {}), firstPage: first },
          budget.call(),
        );
        this.pages += scan.pages;
        this.requests += scan.requests;
        this.take(scan.jobs, scan.skipped);
        return wanted;
      }
      if (fit < 1 && continuing) return null; // time is up: the next poll goes on from here
      if (fit < 1) throw new Error(`${pages} pages do not fit the time left`);
      let newestMs: number | null = null;
      for (let index = pages - fit; index < pages; index++) {
        const page = await this.page(query(index * pageSize));
        for (const job of page.jobs) newestMs = Math.max(newestMs ?? 0, startMsOf(job));
      }
      if (newestMs === null) throw new Error(`the oldest ${fit} of ${pages} pages listed no job`);
      return { fromMs: wanted.fromMs, untilMs: Math.max(newestMs - 1000, wanted.fromMs + 1000) };
    } catch (error) {
      this.errors.push(`${name} scan: ${describe(error)}`);
      this.firstError ??= error;
      return null;
    }
  }

  /** One page, counted and taken. */
  private async page(query: JobsQuery): Promise<JobsPage> {
    const page = await this.deps.api.listJobs(query, this.deps.budget.call());
    this.pages += 1;
    this.requests += page.requests ?? 1;
    this.take(page.jobs, page.skipped);
    return page;
  }

  /** Looks the jobs up by id; returns those the API no longer has in its window (gone). */
  async lookUp(
    lookups: readonly { id: string; startMs: number }[],
    windowStartMs: number,
  ): Promise<Set<string>> {
    const { api, budget } = this.deps;
    const gone = new Set<string>();
    await mapLimit(lookups, LOOKUP_CONCURRENCY, async ({ id, startMs }) => {
      if (budget.expired()) return;
      try {
        const page = await api.listJobs(
          { id, start_time: new Date(windowStartMs), end_time: new Date(budget.now()), limit: 10 },
          budget.call(),
        );
        this.pages += 1;
        this.requests += page.requests ?? 1;
        const found = page.jobs.find((job) => job.id === id);
        if (found) this.take([found], []);
        else if (page.skipped.some((record) => record.jobId === id)) this.take([], page.skipped);
        // Not found: gone only once it is at the window's edge; else a passing blank, asked again next poll.
        else if (startMs < windowStartMs + LEAVING_WINDOW_MS) gone.add(id);
      } catch (error) {
        this.errors.push(`look-up of job ${id}: ${describe(error)}`);
      }
    });
    return gone;
  }

  /** The stored items of these jobs (one batched, strongly consistent read). */
  async readItems(jobIds: readonly string[]): Promise<Map<string, StoredJob>> {
    const ids = [...new Set(jobIds)];
    return ids.length === 0 ? new Map() : this.deps.store.getJobs(this.deps.target, ids);
  }

  private take(jobs: readonly Job[], skipped: readonly SkippedRecord[]): void {
    for (const job of jobs) this.jobs.set(job.id, job);
    for (const record of skipped) {
      if (record.jobId !== null && this.skippedIds.has(record.jobId)) continue;
      if (record.jobId !== null) this.skippedIds.add(record.jobId);
      this.skipped.push(record);
    }
  }
}

function newestStart(jobs: ReadonlyMap<string, Job>, ids: ReadonlySet<string>): number | null {
  let newest: number | null = null;
  for (const id of ids) {
    const job = jobs.get(id);
    if (job === undefined) continue;
    const startMs = startMsOf(job);
    if (newest === null || startMs > newest) newest = startMs;
  }
  return newest;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
