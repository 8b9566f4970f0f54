import { API_WINDOW_SECONDS, type CycleOptions } from '../config';
import { isRunning, isTerminalStatus } from '../job';
import type { Cursor, JobDigest } from '../store/task-store';
import { type Target, targetKey } from '../target';

/** A job in a status other than Running is looked up by id every poll for this long in that status... */
export const LOOKUP_EVERY_POLL_MS = 3600 * 1000;
/** ...and then every this often. */
export const LOOKUP_SPACING_MS = 600 * 1000;
/** The slot in which a spaced look-up falls due: one scheduled tick. */
const LOOKUP_SLOT_MS = 60 * 1000;
/**
 * Share of `fullResyncSeconds` by which a target's resyncs come early, fixed per target: targets
 * whose first polls ran in the same invocation drift apart instead of all resyncing at once.
 */
const RESYNC_SPREAD = 0.25;

/** What one poll reads, decided from the cursor alone. */
export interface Plan {
  /** The API's window: the oldest start a query may ask for, and now (epoch ms). */
  readonly windowStartMs: number;
  readonly nowMs: number;
  /** The target's baseline (null: this is its first poll), and whether the baseline is announced anyway. */
  readonly baselineAt: number | null;
  readonly announceBaseline: boolean;
  /** Start of the new-jobs scan: the watermark minus the overlap (on a first poll, the baseline minus it). */
  readonly newJobsFromMs: number;
  /** Start of the running scan (`status=Running`), or null when no running job is older than the new-jobs scan. */
  readonly runningFromMs: number | null;
  /** Open jobs in a status other than Running, due for a look-up by id. */
  readonly dueLookups: readonly string[];
  /** The resync slice to read after the incremental work, if a pass is due or under way. */
  readonly resync: { readonly fromMs: number; readonly untilMs: number } | null;
}

/** Plans a poll of `target` at `nowMs` from its cursor (null: the first poll). */
export function planPoll(cursor: Cursor | null, nowMs: number, options: CycleOptions, target: Target): Plan {
  const windowStartMs = nowMs - (API_WINDOW_SECONDS - 60) * 1000;
  const overlapMs = options.overlapSeconds * 1000;
  const latestStartMs = nowMs - 60_000;
  const fromMs = (cursor?.watermarkMs ?? cursor?.baselineAt ?? nowMs) - overlapMs;
  const newJobsFromMs = clamp(fromMs, windowStartMs, latestStartMs);
  const jobs = cursor?.jobs ?? new Map<string, JobDigest>();
  const olderRunningJob = [...jobs.values()].some(
    (entry) => isRunning(entry.status) && entry.startMs < newJobsFromMs,
  );
  const runningNeeded = !cursor?.baselineDone || cursor.runningFromMs !== null || olderRunningJob;
  return {
    windowStartMs,
    nowMs,
    baselineAt: cursor?.baselineAt ?? null,
    announceBaseline: options.announceBaseline,
    newJobsFromMs,
    runningFromMs: runningNeeded ? Math.max(cursor?.runningFromMs ?? windowStartMs, windowStartMs) : null,
    dueLookups: [...jobs]
      .filter(([, entry]) => isLookupDue(entry, newJobsFromMs, windowStartMs, nowMs))
      .map(([id]) => id),
    resync: resyncSlice(cursor, nowMs, windowStartMs, options, target),
  };
}

/**
 * Whether an open job in a status other than Running is due for a look-up by id: every poll in its
 * first hour in that status, then once every ten minutes (in the tick-long slot its spacing falls
 * in, so no state is written for it). Jobs the new-jobs scan lists anyway are not looked up.
 */
function isLookupDue(entry: JobDigest, newJobsFromMs: number, windowStartMs: number, nowMs: number): boolean {
  if (isRunning(entry.status) || isTerminalStatus(entry.status)) return false;
  if (entry.startMs >= newJobsFromMs || entry.startMs < windowStartMs) return false;
  const inStatusMs = nowMs - entry.sinceMs;
  return inStatusMs < LOOKUP_EVERY_POLL_MS || inStatusMs % LOOKUP_SPACING_MS < LOOKUP_SLOT_MS;
}

/** The next slice of the full resync: the pass under way, or a new one when the last is old enough. */
function resyncSlice(
  cursor: Cursor | null,
  nowMs: number,
  windowStartMs: number,
  options: CycleOptions,
  target: Target,
): Plan['resync'] {
  if (cursor && cursor.resyncFromMs !== null && cursor.resyncUntilMs !== null) {
    return { fromMs: Math.max(cursor.resyncFromMs, windowStartMs), untilMs: cursor.resyncUntilMs };
  }
  const everyMs = options.fullResyncSeconds * 1000 * (1 - RESYNC_SPREAD * spreadOf(target));
  const lastMs = cursor?.lastFullResyncMs ?? null;
  return lastMs === null || nowMs - lastMs >= everyMs ? { fromMs: windowStartMs, untilMs: nowMs } : null;
}

/** A fixed number in [0, 1) per target (FNV-1a of its key). */
function spreadOf(target: Target): number {
  let hash = 0x811c9dc5;
  for (const char of targetKey(target)) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
