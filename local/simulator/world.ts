import { PENDING_STATUS } from './catalog';
import { isFinishedAt, JobOutcome, type JobPlan, planJob, renderJob } from './lifecycle';
import { createRandom, hashSeed, type Random } from './random';
import { formatHuaweiTime, parseHuaweiTime, type RawInstance, type RawJob } from './raw-job';

/** How one project's simulated world behaves; all times epoch ms. */
export interface WorldSettings {
  readonly seed: number;
  readonly projectId: string;
  /** When the world starts: history lies before it, arrivals come after it. */
  readonly startMs: number;
  readonly speed: number;
  readonly jobsPerMinute: number;
  readonly historyJobs: number;
  readonly runningAtStart: number;
  readonly failureRate: number;
  readonly instances: number;
  /** Tasks created longer ago than this drop out of the world (added ones stay). */
  readonly retentionMs: number;
}

/** A task as listed, with the instant its `start_time` denotes (whole seconds). */
export interface ListedJob {
  readonly job: RawJob;
  readonly startMs: number;
}

/** One project's tasks: generated ones follow their plans; added or patched ones stay as set. */
export interface ProjectWorld {
  readonly projectId: string;
  readonly instances: readonly RawInstance[];
  /** Tasks whose start lies in `[fromMs, toMs]`, as they stand at `atMs`, newest first. */
  list(atMs: number, fromMs?: number, toMs?: number): ListedJob[];
  /** Adds a static task; unset fields get defaults that fit its status. */
  /** `atMs` is the lifecycle's time (frozen while paused); `nowMs` the clock that dates the task. */
  add(job: Partial<RawJob>, atMs: number, nowMs?: number): RawJob;
  /** Freezes the task as it stands at `atMs` with `patch` applied. */
  update(id: string, patch: Partial<RawJob>, atMs: number): RawJob;
  remove(id: string): void;
  /** Moves every plan unfinished at `pausedAtMs` (and the next arrival) later by the pause. */
  shift(pausedAtMs: number, resumedAtMs: number): void;
}

/** Thrown when a test names a task the project does not have. */
export class UnknownJobError extends Error {
  constructor(projectId: string, id: string) {
    super(`No job with id ${id} in project ${projectId}: use an id from jobs(projectId).`);
    this.name = 'UnknownJobError';
  }
}

/** Thrown when a test adds a task whose id is already taken. */
export class DuplicateJobError extends Error {
  constructor(projectId: string, id: string) {
    super(`Job id ${id} already exists in project ${projectId}: omit id to get a fresh one.`);
    this.name = 'DuplicateJobError';
  }
}

type Entry =
  | { readonly kind: 'plan'; readonly plan: JobPlan; readonly sortMs: number; readonly id: string }
  | { readonly kind: 'static'; readonly job: RawJob; readonly sortMs: number; readonly id: string };

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;
const FAST_FIRST_ARRIVALS = 3;
const COMMON_RUNNING_NAMES = ['BackupInstance', 'RestartInstance', 'ResizeInstance', 'EnlargeInstanceVolume'];
const DEFAULT_FAIL_REASON = 'Internal error. Contact technical support.';

const toSecondMs = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** Ascending by start, then id: listing walks it backwards to get newest first. */
function compareEntries(a: Entry, b: Entry): number {
  if (a.sortMs !== b.sortMs) return a.sortMs - b.sortMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** First index whose entry starts at or after `ms`. */
function lowerBound(entries: readonly Entry[], ms: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((entries[mid]?.sortMs ?? 0) < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

function makeInstances(random: Random, count: number): RawInstance[] {
  return Array.from({ length: Math.max(1, count) }, () => ({
    id: `${random.hex(32)}${random.pick(['in06', 'in06', 'in06', 'in12', 'in13'])}`,
    name: `nosql-${random.hex(4)}`,
  }));
}

function startOf(job: RawJob, fallbackMs: number): number {
  const parsed = parseHuaweiTime(job.start_time) ?? Date.parse(job.start_time);
  return toSecondMs(Number.isFinite(parsed) ? parsed : fallbackMs);
}

/** Creates a project's world: history, the tasks running at start, and the arrival stream. */
export function createProjectWorld(settings: WorldSettings): ProjectWorld {
  const { seed, projectId, startMs, speed, failureRate } = settings;
  const instances = makeInstances(createRandom(hashSeed(seed, projectId, 'instances')), settings.instances);
  const arrivals = createRandom(hashSeed(seed, projectId, 'arrivals'));
  const manualIds = createRandom(hashSeed(seed, projectId, 'manual'));
  const meanGapMs =
    settings.jobsPerMinute > 0 ? 60_000 / settings.jobsPerMinute / speed : Number.POSITIVE_INFINITY;
  let entries: Entry[] = [];
  const byId = new Map<string, Entry>();
  let arrivalIndex = 0;
  const firstGapMs = (arrivals.between(2, 8) * 1000) / speed;
  let nextArrivalMs = Number.isFinite(meanGapMs) ? startMs + firstGapMs : Number.POSITIVE_INFINITY;
  let advancedToMs = startMs;

  const insert = (entry: Entry): void => {
    let index = lowerBound(entries, entry.sortMs);
    while (index < entries.length && compareEntries(entries[index] as Entry, entry) < 0) index++;
    entries.splice(index, 0, entry);
    byId.set(entry.id, entry);
  };
  const insertPlan = (plan: JobPlan): void => {
    insert({ kind: 'plan', plan, sortMs: toSecondMs(plan.startMs), id: plan.id });
  };
  const drop = (entry: Entry): void => {
    const index = entries.indexOf(entry);
    if (index >= 0) entries.splice(index, 1);
    byId.delete(entry.id);
  };

  const history = createRandom(hashSeed(seed, projectId, 'history'));
  for (let i = 0; i < settings.historyJobs; i++) {
    const at = history.between(startMs - THIRTY_DAYS_MS + 3_600_000, startMs - 15 * 60_000);
    const random = createRandom(hashSeed(seed, projectId, 'history', i));
    insertPlan(planJob(random, { startMs: at, instances, failureRate, speed: 1, pendingRate: 0 }));
  }
  for (let i = 0; i < settings.runningAtStart; i++) {
    const random = createRandom(hashSeed(seed, projectId, 'running', i));
    const ranForMs = (random.between(5, 30) * 1000) / speed;
    const remainingMs = ((random.between(6, 14) + 10 * i) * 1000) / speed;
    const outcome =
      i === 0 || failureRate <= 0 ? JobOutcome.Completed : i === 1 ? JobOutcome.Failed : undefined;
    insertPlan(
      planJob(random, {
        startMs: startMs - ranForMs,
        instances,
        failureRate,
        speed,
        pendingRate: 0,
        name: random.pick(COMMON_RUNNING_NAMES),
        runMs: ranForMs + remainingMs,
        ...(outcome ? { outcome } : {}),
      }),
    );
  }

  const advance = (atMs: number): void => {
    if (atMs <= advancedToMs) return;
    advancedToMs = atMs;
    const cutoffMs = atMs - settings.retentionMs;
    while (nextArrivalMs <= atMs) {
      if (nextArrivalMs >= cutoffMs) {
        const random = createRandom(hashSeed(seed, projectId, 'job', arrivalIndex));
        const fast = arrivalIndex < FAST_FIRST_ARRIVALS;
        insertPlan(
          planJob(random, {
            startMs: nextArrivalMs,
            instances,
            failureRate,
            speed,
            ...(fast ? { seconds: [5, 15] as const, pendingRate: 0 } : {}),
          }),
        );
      }
      arrivalIndex++;
      nextArrivalMs += Math.max(1, arrivals.exponential(meanGapMs));
    }
    const first = entries[0];
    if (first && first.sortMs < cutoffMs) {
      entries = entries.filter((entry) => {
        const keep = entry.kind === 'static' || entry.sortMs >= cutoffMs;
        if (!keep) byId.delete(entry.id);
        return keep;
      });
    }
  };

  const render = (entry: Entry, atMs: number): RawJob =>
    entry.kind === 'plan' ? renderJob(entry.plan, atMs) : structuredClone(entry.job);

  const find = (id: string): Entry => {
    const entry = byId.get(id);
    if (!entry) throw new UnknownJobError(projectId, id);
    return entry;
  };

  return {
    projectId,
    instances,
    list(atMs, fromMs = Number.NEGATIVE_INFINITY, toMs = Number.POSITIVE_INFINITY) {
      advance(atMs);
      const out: ListedJob[] = [];
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i] as Entry;
        if (entry.sortMs > toMs) continue;
        if (entry.sortMs < fromMs) break;
        out.push({ job: render(entry, atMs), startMs: entry.sortMs });
      }
      return out;
    },
    add(partial, lifecycleAtMs, nowMs = lifecycleAtMs) {
      advance(lifecycleAtMs);
      const atMs = nowMs;
      const id = partial.id ?? manualIds.uuid();
      if (byId.has(id)) throw new DuplicateJobError(projectId, id);
      const status = partial.status ?? 'Running';
      const ongoing = status === 'Running' || status === PENDING_STATUS;
      const job: RawJob = {
        id,
        name: partial.name ?? 'BackupInstance',
        status,
        start_time: partial.start_time ?? formatHuaweiTime(atMs),
        end_time: partial.end_time ?? (ongoing ? '' : formatHuaweiTime(atMs)),
        progress: partial.progress ?? (status === 'Running' ? '0%' : ''),
        instance: { ...(partial.instance ?? (instances[0] as RawInstance)) },
        fail_reason: partial.fail_reason ?? (status === 'Failed' ? DEFAULT_FAIL_REASON : ''),
      };
      insert({ kind: 'static', job, sortMs: startOf(job, atMs), id });
      return structuredClone(job);
    },
    update(id, patch, atMs) {
      advance(atMs);
      const entry = find(id);
      const current = render(entry, atMs);
      const job: RawJob = { ...current, ...patch, id, instance: { ...(patch.instance ?? current.instance) } };
      drop(entry);
      insert({ kind: 'static', job, sortMs: startOf(job, atMs), id });
      return structuredClone(job);
    },
    remove(id) {
      drop(find(id));
    },
    shift(pausedAtMs, resumedAtMs) {
      advance(pausedAtMs);
      const pauseMs = resumedAtMs - pausedAtMs;
      if (pauseMs <= 0) return;
      for (const entry of entries) {
        if (entry.kind === 'plan' && !isFinishedAt(entry.plan, pausedAtMs)) entry.plan.shiftMs += pauseMs;
      }
      nextArrivalMs += pauseMs;
    },
  };
}
