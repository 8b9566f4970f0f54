import { describe, expect, it } from 'vitest';
import { DOCUMENTED_JOB_NAMES } from '../../../local/simulator/catalog';
import {
  createProjectWorld,
  DuplicateJobError,
  UnknownJobError,
  type WorldSettings,
} from '../../../local/simulator/world';

const START = Date.UTC(2024, 0, 10, 12, 0, 0);
const DAY_MS = 24 * 3600 * 1000;
const SETTINGS: WorldSettings = {
  seed: 1,
  projectId: 'p1',
  startMs: START,
  speed: 1,
  jobsPerMinute: 6,
  historyJobs: 40,
  runningAtStart: 2,
  failureRate: 0.15,
  instances: 4,
  retentionMs: 31 * DAY_MS,
};
const world = (overrides: Partial<WorldSettings> = {}) => createProjectWorld({ ...SETTINGS, ...overrides });
const jobsAt = (w: ReturnType<typeof world>, atMs: number) => w.list(atMs).map(({ job }) => job);

describe('createProjectWorld', () => {
  it('gives the same tasks for the same seed and clock, however often it is asked', () => {
    const often = world();
    for (let t = START; t < START + 600_000; t += 7_000) often.list(t);
    const once = world();
    expect(jobsAt(often, START + 600_000)).toEqual(jobsAt(once, START + 600_000));
    expect(jobsAt(world({ seed: 2 }), START + 600_000)).not.toEqual(jobsAt(once, START + 600_000));
  });

  it('starts with finished history from the last 30 days plus tasks already running', () => {
    const tasks = world().list(START);
    expect(tasks).toHaveLength(42);
    expect(tasks.filter(({ job }) => job.status === 'Running')).toHaveLength(2);
    expect(tasks.every(({ startMs }) => startMs >= START - 30 * DAY_MS && startMs <= START)).toBe(true);
    const finished = tasks.filter(({ job }) => job.status !== 'Running');
    expect(finished.every(({ job }) => ['Completed', 'Failed'].includes(job.status))).toBe(true);
  });

  it('lists newest first', () => {
    const starts = world()
      .list(START + 600_000)
      .map(({ startMs }) => startMs);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('at speed 4 starts, completes and fails tasks within ten seconds of the start', () => {
    const w = world({ speed: 4 });
    const tenSecondsOn = jobsAt(w, START + 10_000);
    const endedSinceStart = (status: string) =>
      tenSecondsOn.some((job) => job.status === status && job.end_time !== '');
    expect(endedSinceStart('Completed')).toBe(true);
    expect(endedSinceStart('Failed')).toBe(true);
    const newIds = tenSecondsOn.filter(
      (job) => !jobsAt(world({ speed: 4 }), START).some((j) => j.id === job.id),
    );
    expect(newIds.length).toBeGreaterThan(0);
  });

  it('finishes every task that was running once enough time has passed', () => {
    const w = world();
    const runningIds = jobsAt(w, START)
      .filter((job) => job.status === 'Running')
      .map((job) => job.id);
    const later = jobsAt(w, START + 10 * 60_000);
    for (const id of runningIds) {
      const job = later.find((j) => j.id === id);
      expect(['Completed', 'Failed']).toContain(job?.status);
      expect(job?.end_time).not.toBe('');
    }
  });

  it('produces every documented name, CreateCassandra, and backups and restarts most, over a long run', () => {
    const tasks = jobsAt(world({ jobsPerMinute: 60, historyJobs: 0 }), START + 60 * 60_000);
    const count = (name: string) => tasks.filter((job) => job.name === name).length;
    for (const name of [...DOCUMENTED_JOB_NAMES, 'CreateCassandra'])
      expect(count(name), name).toBeGreaterThan(0);
    const others = DOCUMENTED_JOB_NAMES.filter((n) => n !== 'BackupInstance' && n !== 'RestartInstance');
    for (const name of others) {
      expect(count('BackupInstance')).toBeGreaterThan(count(name));
      expect(count('RestartInstance')).toBeGreaterThan(count(name));
    }
    const failed = tasks.filter((job) => job.status === 'Failed').length;
    expect(failed / tasks.length).toBeGreaterThan(0.1);
    expect(failed / tasks.length).toBeLessThan(0.2);
  });

  it('follows jobsPerMinute and creates nothing when it is 0', () => {
    const busy = world({ historyJobs: 0, runningAtStart: 0, jobsPerMinute: 6 });
    const arrived = busy.list(START + 60 * 60_000).length;
    expect(arrived).toBeGreaterThan(300);
    expect(arrived).toBeLessThan(420);
    expect(world({ historyJobs: 0, runningAtStart: 0, jobsPerMinute: 0 }).list(START + DAY_MS)).toEqual([]);
  });

  it('drops generated tasks older than the retention but keeps added ones', () => {
    const w = world({ jobsPerMinute: 0, runningAtStart: 0 });
    const added = w.add({ start_time: '2023-11-01T00:00:00+0000', status: 'Completed' }, START);
    expect(w.list(START)).toHaveLength(41);
    const later = w.list(START + 31 * DAY_MS);
    expect(later.map(({ job }) => job.id)).toEqual([added.id]);
  });

  it('freezes unfinished tasks and the next arrival through a shift', () => {
    const w = world({ historyJobs: 0 });
    const atPause = jobsAt(w, START + 1_000);
    w.shift(START + 1_000, START + 3_600_000);
    expect(jobsAt(w, START + 3_600_000)).toEqual(atPause);
  });
});

describe('ProjectWorld.add, update and remove', () => {
  it('fills defaults that fit the status', () => {
    const w = world({ historyJobs: 0, runningAtStart: 0, jobsPerMinute: 0 });
    const running = w.add({ name: 'RestartInstance' }, START);
    expect(running).toMatchObject({
      name: 'RestartInstance',
      status: 'Running',
      start_time: '2024-01-10T12:00:00+0000',
      end_time: '',
      progress: '0%',
      fail_reason: '',
      instance: w.instances[0],
    });
    const failed = w.add({ status: 'Failed' }, START);
    expect(failed.end_time).toBe('2024-01-10T12:00:00+0000');
    expect(failed.fail_reason).not.toBe('');
    expect(w.add({ status: 'Queued' }, START)).toMatchObject({
      status: 'Queued',
      progress: '',
      end_time: '2024-01-10T12:00:00+0000',
    });
  });

  it('refuses an id that is taken', () => {
    const w = world({ historyJobs: 0, runningAtStart: 0, jobsPerMinute: 0 });
    w.add({ id: 'x' }, START);
    expect(() => w.add({ id: 'x' }, START)).toThrow(DuplicateJobError);
  });

  it('freezes a generated task when patched', () => {
    const w = world({ historyJobs: 0 });
    const running = jobsAt(w, START).find((job) => job.status === 'Running');
    const patched = w.update(running?.id ?? '', { progress: '99%' }, START);
    expect(patched).toMatchObject({ id: running?.id, status: 'Running', progress: '99%' });
    expect(jobsAt(w, START + 3_600_000).find((job) => job.id === running?.id)).toEqual(patched);
  });

  it('removes a task, and names the id it does not know', () => {
    const w = world({ historyJobs: 0, runningAtStart: 0, jobsPerMinute: 0 });
    const job = w.add({}, START);
    w.remove(job.id);
    expect(w.list(START)).toEqual([]);
    expect(() => w.remove(job.id)).toThrow(UnknownJobError);
    expect(() => w.update('nope', {}, START)).toThrow(/nope/);
  });
});
