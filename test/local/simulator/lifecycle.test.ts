import { describe, expect, it } from 'vitest';
import { JOB_PROFILES } from '../../../local/simulator/catalog';
import {
  endOf,
  isFinishedAt,
  JobOutcome,
  type JobPlan,
  planJob,
  renderJob,
} from '../../../local/simulator/lifecycle';
import { createRandom } from '../../../local/simulator/random';

const START = Date.UTC(2024, 0, 10, 12, 0, 0);
const INSTANCES = [{ id: `${'a'.repeat(32)}in06`, name: 'nosql-12f5' }];

const plan = (seed: number, overrides: Partial<Parameters<typeof planJob>[1]> = {}): JobPlan =>
  planJob(createRandom(seed), {
    startMs: START,
    instances: INSTANCES,
    failureRate: 0.15,
    speed: 1,
    ...overrides,
  });

/** Samples a plan's rendering every `stepMs` from its start to past its end. */
function timeline(job: JobPlan, stepMs = 250) {
  const out = [];
  for (let t = job.startMs; t <= endOf(job) + stepMs; t += stepMs) out.push(renderJob(job, t));
  return out;
}

describe('planJob', () => {
  it('is a pure function of the random source', () => {
    expect(plan(5)).toEqual(plan(5));
    expect(plan(5).id).not.toBe(plan(6).id);
  });

  it('runs between the profile bounds at speed 1 and faster at a higher speed', () => {
    for (let seed = 0; seed < 200; seed++) {
      const job = plan(seed, { outcome: JobOutcome.Completed, name: 'BackupInstance' });
      const profile = JOB_PROFILES.BackupInstance;
      expect(job.runMs).toBeGreaterThanOrEqual((profile?.minSeconds ?? 0) * 1000);
      expect(job.runMs).toBeLessThanOrEqual((profile?.maxSeconds ?? 0) * 1000);
      expect(
        plan(seed, { outcome: JobOutcome.Completed, name: 'BackupInstance', speed: 4 }).runMs,
      ).toBeCloseTo(job.runMs / 4);
    }
  });

  it('makes about failureRate of the tasks fail, each with a reason', () => {
    const plans = Array.from({ length: 1000 }, (_, seed) => plan(seed));
    const failed = plans.filter((p) => p.outcome === JobOutcome.Failed);
    expect(failed.length).toBeGreaterThan(100);
    expect(failed.length).toBeLessThan(200);
    expect(failed.every((p) => p.failReason.length > 0)).toBe(true);
    expect(plans.filter((p) => p.outcome === JobOutcome.Completed).every((p) => p.failReason === '')).toBe(
      true,
    );
  });
});

describe('renderJob', () => {
  it('moves progress up in steps while running, then completes with an end time', () => {
    const job = plan(1, { outcome: JobOutcome.Completed, pendingRate: 0 });
    const states = timeline(job);
    const running = states.filter((s) => s.status === 'Running');
    const percents = running.map((s) => Number.parseInt(s.progress, 10));
    expect(running.every((s) => /^\d{1,2}%$/.test(s.progress) && s.end_time === '')).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(new Set(percents).size).toBeGreaterThanOrEqual(3);
    const last = states.at(-1);
    expect(last).toMatchObject({ status: 'Completed', progress: '', fail_reason: '' });
    expect(last?.end_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/);
  });

  it('stops progress below 100 and carries the reason when the task fails', () => {
    const job = plan(2, { outcome: JobOutcome.Failed, name: 'BackupInstance' });
    const last = renderJob(job, endOf(job));
    expect(last.status).toBe('Failed');
    expect(['Backup timed out.', 'Failed to upload the backup file to OBS.']).toContain(last.fail_reason);
    expect(last.progress).toBe('');
    const before = renderJob(job, endOf(job) - 1);
    expect(before.status).toBe('Running');
    expect(Number.parseInt(before.progress, 10)).toBeLessThan(100);
  });

  it('shows the undocumented Pending status before running for a pending task', () => {
    const job = plan(3, { pendingRate: 1 });
    expect(job.pendingMs).toBeGreaterThan(0);
    expect(renderJob(job, START)).toMatchObject({ status: 'Pending', progress: '', end_time: '' });
    expect(renderJob(job, START + job.pendingMs).status).toBe('Running');
  });

  it('renders all times of a task in its one offset', () => {
    const beijing = Array.from({ length: 300 }, (_, seed) => plan(seed)).find((p) => p.offsetMinutes === 480);
    expect(beijing).toBeDefined();
    const done = renderJob(beijing as JobPlan, endOf(beijing as JobPlan));
    expect(done.start_time).toMatch(/\+0800$/);
    expect(done.end_time).toMatch(/\+0800$/);
  });

  it('delays the rest of a task by its shift, keeping its start', () => {
    const job = plan(4, { outcome: JobOutcome.Completed, pendingRate: 0 });
    const middle = job.startMs + job.runMs / 2;
    const before = renderJob(job, middle);
    const shifted = { ...job, shiftMs: 60_000 };
    expect(renderJob(shifted, middle + 60_000)).toEqual(before);
    expect(isFinishedAt(shifted, endOf(job))).toBe(false);
    expect(isFinishedAt(shifted, endOf(job) + 60_000)).toBe(true);
  });
});
