import { describe, expect, it } from 'vitest';
import type { RawJob } from '../../../local/simulator/raw-job';
import {
  createWorldHistory,
  normaliseRawJob,
  UnreadableSimulatedJobError,
} from '../../../scripts/oracle/world-history';

const raw = (patch: Partial<RawJob> = {}): RawJob => ({
  id: 'job-1',
  name: 'BackupInstance',
  status: 'Running',
  start_time: '2026-11-30T08:00:00+0800',
  end_time: '',
  progress: '10%',
  instance: { id: 'inst-1', name: 'nosql-1' },
  fail_reason: '',
  ...patch,
});

describe('normaliseRawJob', () => {
  it('reads a simulated job exactly as the jobs client reads the API', () => {
    expect(normaliseRawJob(raw())).toEqual({
      id: 'job-1',
      name: 'BackupInstance',
      status: 'Running',
      start_time: '2026-11-30T00:00:00.000Z',
      end_time: null,
      progress: 10,
      instance: { id: 'inst-1', name: 'nosql-1' },
      fail_reason: null,
    });
  });

  it('throws naming the job when the simulator produced something the API would never send', () => {
    expect(() => normaliseRawJob(raw({ start_time: 'yesterday' }))).toThrow(UnreadableSimulatedJobError);
    expect(() => normaliseRawJob(raw({ start_time: 'yesterday' }))).toThrow(/job-1 .*start_time/);
  });
});

describe('createWorldHistory', () => {
  it('keeps each distinct state of a job once, in the order observed, with when it was first seen', () => {
    const history = createWorldHistory();
    history.observe([raw()], 1);
    history.observe([raw()], 2);
    history.observe([raw({ progress: '50%' })], 3);
    history.observe([raw({ status: 'Completed', progress: '', end_time: '2026-11-30T00:10:00+0000' })], 4);

    expect(history.states('job-1').map((state) => [state.at, state.job.status, state.job.progress])).toEqual([
      [1, 'Running', 10],
      [3, 'Running', 50],
      [4, 'Completed', null],
    ]);
  });

  it('adds nothing when only the wire form changes, not the state', () => {
    const history = createWorldHistory();
    history.observe([raw()], 1);
    history.observe([raw({ start_time: '2026-11-30T00:00:00+0000' })], 2);
    expect(history.states('job-1')).toHaveLength(1);
  });

  it('lists jobs in the order first observed and knows nothing of others', () => {
    const history = createWorldHistory();
    history.observe([raw({ id: 'b' }), raw({ id: 'a' })], 1);
    history.observe([raw({ id: 'c' }), raw({ id: 'a' })], 2);
    expect(history.jobIds()).toEqual(['b', 'a', 'c']);
    expect(history.states('never')).toEqual([]);
  });
});
