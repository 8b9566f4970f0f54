import { randomUUID } from 'node:crypto';
import { mapLimit } from './concurrency';
import { API_WINDOW_SECONDS, type CycleOptions } from './config';
import { CycleError, CycleStep, RecordConflictError } from './cycle-errors';
import { diffJobs } from './diff';
import type { JobEvent } from './event';
import { buildEvent } from './events';
import type { Job } from './job';
import type { JobsApi } from './jobs/jobs-client';
import type { Publisher } from './publish/publisher';
import type { StoredJob, TaskStore } from './store/task-store';
import type { Target } from './target';
import type { JobChange, JobState, TransitionType } from './transition';

/** Leave this much of the lease unused: a cycle stops publishing before another may take over. */
const LEASE_SAFETY_MS = 5_000;
/** Times a job is re-read and diffed again when another cycle wrote it first. */
const RECORD_ATTEMPTS = 3;
/** Job records in flight at once (each is one conditional write). */
const RECORD_CONCURRENCY = 8;

/** The adapters and settings one cycle runs with. */
export interface CycleDeps {
  readonly store: TaskStore;
  readonly api: JobsApi;
  readonly publishers: readonly Publisher[];
  readonly options: CycleOptions;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/** What one cycle did, for logs, metrics and the CLI. */
export interface CycleReport {
  readonly target: Target;
  /** `idle`: nothing new; `done`: recorded and/or published; `skipped`: another cycle holds the lease. */
  readonly outcome: 'idle' | 'done' | 'skipped';
  readonly baseline: boolean;
  readonly fetchedJobs: number;
  readonly pages: number;
  readonly apiRequests: number;
  readonly recordedJobs: number;
  readonly transitions: Partial<Record<TransitionType, number>>;
  readonly published: number;
  /** Events still in the outbox after this cycle (a sink failed, or the lease ran short). */
  readonly pendingLeft: number;
  /** One line per failed publish: sink and cause. */
  readonly publishErrors: readonly string[];
  readonly durationMs: number;
}

/**
 * One poll cycle for one target, top to bottom: read the cursor, fetch the whole window, diff
 * it against stored state, and, only when there is something to do, take the target's lease,
 * diff again on fresh state, record (outbox), publish and mark. A failure before recording
 * changes nothing; a failure after leaves recorded events pending for the next cycle.
 */
export async function pollTarget(deps: CycleDeps, target: Target): Promise<CycleReport> {
  const now = deps.now ?? Date.now;
  const startedMs = now();
  const step = <T>(name: CycleStep, work: () => Promise<T>): Promise<T> =>
    work().catch((error: unknown) => {
      throw error instanceof CycleError ? error : new CycleError(target, name, error);
    });

  const cursor = await step(CycleStep.ReadCursor, () => deps.store.getCursor(target));
  const scan = await step(CycleStep.Fetch, () =>
    deps.api.scanJobs({
      start: new Date(startedMs - (API_WINDOW_SECONDS - 60) * 1000),
      end: new Date(startedMs),
      pageSize: deps.options.pageSize,
    }),
  );
  const report = {
    target,
    baseline: !cursor?.baselineDone,
    fetchedJobs: scan.jobs.length,
    pages: scan.pages,
    apiRequests: scan.requests,
  };
  const stored = await step(CycleStep.LoadState, () => deps.store.loadJobs(target));
  const changes = diff(deps, stored, scan.jobs, report.baseline, startedMs);
  const hasPending = [...stored.values()].some((job) => job.pending.length > 0);
  if (!report.baseline && changes.length === 0 && !hasPending) {
    return finish(report, 'idle', {
      recordedJobs: 0,
      transitions: {},
      published: 0,
      pendingLeft: 0,
      errors: [],
    });
  }

  const owner = randomUUID();
  const leaseUntilMs = now() + deps.options.leaseSeconds * 1000;
  const leased = await step(CycleStep.Lease, () =>
    deps.store.acquireLease(target, owner, now(), deps.options.leaseSeconds),
  );
  if (!leased) {
    return finish(report, 'skipped', {
      recordedJobs: 0,
      transitions: {},
      published: 0,
      pendingLeft: 0,
      errors: [],
    });
  }

  let baselineDone = !report.baseline;
  try {
    // Under the lease: diff again on fresh state, so nothing decided before the lease is trusted.
    const freshCursor = await step(CycleStep.ReadCursor, () => deps.store.getCursor(target));
    const baseline = !freshCursor?.baselineDone;
    const fresh = await step(CycleStep.LoadState, () => deps.store.loadJobs(target));
    const recorded = await step(CycleStep.Record, () =>
      recordChanges(deps, target, fresh, diff(deps, fresh, scan.jobs, baseline, now())),
    );
    baselineDone = true;

    const outbox = new Map<string, readonly JobEvent[]>();
    for (const [jobId, job] of fresh) if (job.pending.length > 0) outbox.set(jobId, job.pending);
    for (const [jobId, events] of recorded.events)
      outbox.set(jobId, [...(outbox.get(jobId) ?? []), ...events]);

    const delivery = await deliver(deps, target, outbox, () => now() < leaseUntilMs - LEASE_SAFETY_MS);
    return finish(report, 'done', {
      recordedJobs: recorded.count,
      transitions: recorded.transitions,
      published: delivery.published,
      pendingLeft: delivery.pendingLeft,
      errors: delivery.errors,
    });
  } finally {
    const lastCycleAt = new Date(now()).toISOString();
    await deps.store.releaseLease(target, owner, { baselineDone, lastCycleAt }).catch(() => {
      // The lease expires by itself; the cycle's own outcome is what matters to the caller.
    });
  }

  function finish(
    base: typeof report,
    outcome: CycleReport['outcome'],
    done: {
      recordedJobs: number;
      transitions: CycleReport['transitions'];
      published: number;
      pendingLeft: number;
      errors: string[];
    },
  ): CycleReport {
    const { errors, ...rest } = done;
    return { ...base, ...rest, outcome, publishErrors: errors, durationMs: now() - startedMs };
  }
}

function diff(
  deps: CycleDeps,
  stored: ReadonlyMap<string, JobState>,
  fetched: readonly Job[],
  baseline: boolean,
  nowMs: number,
): JobChange[] {
  return diffJobs({ previous: stored, fetched, options: deps.options, nowMs, baseline });
}

/** Records each change with an optimistic lock; a job another cycle wrote first is re-read and diffed again. */
async function recordChanges(
  deps: CycleDeps,
  target: Target,
  stored: ReadonlyMap<string, StoredJob>,
  changes: readonly JobChange[],
): Promise<{
  count: number;
  events: Map<string, JobEvent[]>;
  transitions: Partial<Record<TransitionType, number>>;
}> {
  const recorded = await mapLimit(changes, RECORD_CONCURRENCY, (change) =>
    recordChange(deps, target, change, stored.get(change.jobId)?.version ?? null),
  );
  const events = new Map<string, JobEvent[]>();
  const transitions: Partial<Record<TransitionType, number>> = {};
  let count = 0;
  for (const result of recorded) {
    if (!result) continue;
    count++;
    if (result.events.length > 0) events.set(result.change.jobId, result.events);
    for (const transition of result.change.transitions) {
      transitions[transition.type] = (transitions[transition.type] ?? 0) + 1;
    }
  }
  return { count, events, transitions };
}

/** Records one job; null when, re-read after a lost race, it turned out to need no write. */
async function recordChange(
  deps: CycleDeps,
  target: Target,
  first: JobChange,
  firstVersion: number | null,
): Promise<{ change: JobChange; events: JobEvent[] } | null> {
  const now = deps.now ?? Date.now;
  let change: JobChange | undefined = first;
  let expectedVersion = firstVersion;
  for (let attempt = 1; change; attempt++) {
    const detectedAt = new Date(now());
    const events = change.transitions.map((transition) => buildEvent(target, transition, detectedAt));
    if (await deps.store.recordJob(target, { state: change.next, events, expectedVersion }))
      return { change, events };
    if (attempt >= RECORD_ATTEMPTS) {
      throw new RecordConflictError(`job ${first.jobId} kept changing under another cycle`);
    }
    const current = await deps.store.getJob(target, change.jobId);
    expectedVersion = current?.version ?? null;
    const previous: Map<string, JobState> = new Map(current ? [[change.jobId, current]] : []);
    const retried: JobChange[] = diffJobs({
      previous,
      fetched: [change.next.job],
      options: deps.options,
      nowMs: now(),
      baseline: false,
    });
    change = retried[0];
  }
  return null;
}

/**
 * Publishes each job's outbox in order to every sink, then marks what all sinks accepted.
 * A failing sink leaves the rest of that job's events pending; other jobs go on.
 */
async function deliver(
  deps: CycleDeps,
  target: Target,
  outbox: ReadonlyMap<string, readonly JobEvent[]>,
  leaseStillValid: () => boolean,
): Promise<{ published: number; pendingLeft: number; errors: string[] }> {
  const errors: string[] = [];
  let published = 0;
  let pendingLeft = 0;
  for (const [jobId, events] of outbox) {
    const done: string[] = [];
    for (const event of events) {
      if (!leaseStillValid()) break;
      const results = await Promise.allSettled(deps.publishers.map((publisher) => publisher.publish(event)));
      const failed = results.flatMap((result, index) =>
        result.status === 'rejected' ? [`${deps.publishers[index]?.name}: ${describe(result.reason)}`] : [],
      );
      if (failed.length > 0) {
        errors.push(...failed.map((line) => `event ${event.id} (job ${jobId}) to ${line}`));
        break;
      }
      done.push(event.id);
    }
    if (done.length > 0) {
      try {
        await deps.store.markPublished(target, jobId, done);
      } catch (error) {
        // Published but unmarked: the next cycle sends these again under the same ids.
        errors.push(new CycleError(target, CycleStep.Mark, error).message);
      }
    }
    published += done.length;
    pendingLeft += events.length - done.length;
  }
  return { published, pendingLeft, errors };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
