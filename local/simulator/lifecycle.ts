import { JOB_NAME_WEIGHTS, PENDING_STATUS, profileOf } from './catalog';
import type { Random } from './random';
import { formatHuaweiTime, type RawInstance, type RawJob } from './raw-job';

/** How a simulated task ends. */
export const JobOutcome = { Completed: 'Completed', Failed: 'Failed' } as const;
export type JobOutcome = (typeof JobOutcome)[keyof typeof JobOutcome];

/** A progress step: once `atFraction` of the run has passed, progress reads `percent`. */
export interface ProgressStep {
  readonly atFraction: number;
  readonly percent: number;
}

/**
 * The whole life of one simulated task, decided when it is created. Its wire state at any
 * instant is a pure function of the plan and the clock ({@link renderJob}), which is what makes
 * the world lazy and replayable.
 */
export interface JobPlan {
  readonly id: string;
  readonly name: string;
  readonly instance: RawInstance;
  /** Creation instant (`start_time`), epoch ms. */
  readonly startMs: number;
  /** Time spent in the undocumented `Pending` status before running; 0 for most tasks. */
  readonly pendingMs: number;
  /** Time from running to the end (completion or failure). */
  readonly runMs: number;
  readonly outcome: JobOutcome;
  /** `fail_reason` once failed; `""` for tasks that complete. */
  readonly failReason: string;
  /** Ascending steps; the first is at fraction 0. */
  readonly steps: readonly ProgressStep[];
  /** Offset the times are rendered in: 0 (`+0000`) for most, 480 (`+0800`) for a few. */
  readonly offsetMinutes: number;
  /** Paused time that fell inside this task's life: delays everything after its start. */
  shiftMs: number;
}

/** What {@link planJob} needs besides the random source. */
export interface PlanInput {
  readonly startMs: number;
  readonly instances: readonly RawInstance[];
  /** Share of tasks that fail, 0-1. */
  readonly failureRate: number;
  /** Run times are divided by it: at 4 a task runs 4 times faster. */
  readonly speed: number;
  /** Share of tasks that show `Pending` first; default 0.04. */
  readonly pendingRate?: number;
  /** Fixed name instead of a weighted draw. */
  readonly name?: string;
  /** Fixed outcome instead of a draw against `failureRate`. */
  readonly outcome?: JobOutcome;
  /** Fixed run time (running to end) in ms, ignoring the name's profile and `speed`. */
  readonly runMs?: number;
  /** Run time range at speed 1 in seconds, replacing the name's profile. */
  readonly seconds?: readonly [number, number];
}

const SHARE_RENDERED_IN_BEIJING_TIME = 0.1;
const BEIJING_OFFSET_MINUTES = 480;

function drawSteps(random: Random): ProgressStep[] {
  const count = random.int(3, 8);
  const fractions = Array.from({ length: count }, () => random.between(0.05, 0.95)).sort((a, b) => a - b);
  const percents = [...new Set(Array.from({ length: count }, () => random.int(1, 99)))].sort((a, b) => a - b);
  const steps: ProgressStep[] = [{ atFraction: 0, percent: 0 }];
  percents.forEach((percent, i) => {
    steps.push({ atFraction: fractions[i] ?? 0.95, percent });
  });
  return steps;
}

/** Decides the life of a new task from a random source dedicated to it. */
export function planJob(random: Random, input: PlanInput): JobPlan {
  const name = input.name ?? random.weighted(JOB_NAME_WEIGHTS);
  const profile = profileOf(name);
  const [minSeconds, maxSeconds] = input.seconds ?? [profile.minSeconds, profile.maxSeconds];
  const id = random.uuid();
  const instance = { ...random.pick(input.instances) };
  const pending = random.chance(input.pendingRate ?? 0.04);
  const pendingMs = pending ? (random.between(2, 6) * 1000) / input.speed : 0;
  const fullRunMs = (random.between(minSeconds, maxSeconds) * 1000) / input.speed;
  const outcome =
    input.outcome ?? (random.chance(input.failureRate) ? JobOutcome.Failed : JobOutcome.Completed);
  const failAt = random.between(0.2, 0.9);
  const failReason = outcome === JobOutcome.Failed ? random.pick(profile.failReasons) : '';
  const offsetMinutes = random.chance(SHARE_RENDERED_IN_BEIJING_TIME) ? BEIJING_OFFSET_MINUTES : 0;
  let steps = drawSteps(random);
  let runMs = fullRunMs;
  if (outcome === JobOutcome.Failed) {
    steps = steps
      .filter((step) => step.atFraction < failAt)
      .map((step) => ({ atFraction: step.atFraction / failAt, percent: step.percent }));
    runMs = fullRunMs * failAt;
  }
  return {
    id,
    name,
    instance,
    startMs: input.startMs,
    pendingMs,
    runMs: input.runMs ?? runMs,
    outcome,
    failReason,
    steps,
    offsetMinutes,
    shiftMs: 0,
  };
}

/** When the task ends (completes or fails) on the clock, pauses included. */
export function endOf(plan: JobPlan): number {
  return plan.startMs + plan.pendingMs + plan.runMs + plan.shiftMs;
}

/** True once the task has completed or failed at `atMs`. */
export function isFinishedAt(plan: JobPlan, atMs: number): boolean {
  return atMs >= endOf(plan);
}

function progressAt(plan: JobPlan, runningForMs: number): number {
  const fraction = plan.runMs > 0 ? runningForMs / plan.runMs : 1;
  let percent = 0;
  for (const step of plan.steps) {
    if (step.atFraction <= fraction) percent = step.percent;
  }
  return percent;
}

/** The task as the API shows it at `atMs`, fields in the doc's order. Returns fresh objects. */
export function renderJob(plan: JobPlan, atMs: number): RawJob {
  const effectiveMs = atMs - plan.shiftMs;
  const runFromMs = plan.startMs + plan.pendingMs;
  const job = (status: string, end_time: string, progress: string, fail_reason: string): RawJob => ({
    id: plan.id,
    name: plan.name,
    status,
    start_time: formatHuaweiTime(plan.startMs, plan.offsetMinutes),
    end_time,
    progress,
    instance: { ...plan.instance },
    fail_reason,
  });
  if (effectiveMs < runFromMs) return job(PENDING_STATUS, '', '', '');
  if (effectiveMs < runFromMs + plan.runMs) {
    return job('Running', '', `${progressAt(plan, effectiveMs - runFromMs)}%`, '');
  }
  return job(plan.outcome, formatHuaweiTime(endOf(plan), plan.offsetMinutes), '', plan.failReason);
}
