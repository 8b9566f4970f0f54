import { describe, expect, it } from 'vitest';
import type { RawJob } from '../../../local/simulator/raw-job';
import { type AuditInput, auditEvents } from '../../../scripts/oracle/audit';
import { createWorldHistory, normaliseRawJob } from '../../../scripts/oracle/world-history';
import { buildEvent } from '../../../shared/build-event';
import type { JobEvent } from '../../../shared/job-event';
import type { TransitionType } from '../../../shared/transition';

const target = { region: 'ap-southeast-1', projectId: 'p1' };
const running: RawJob = {
  id: 'job-1',
  name: 'BackupInstance',
  status: 'Running',
  start_time: '2026-11-30T00:00:00+0000',
  end_time: '',
  progress: '10%',
  instance: { id: 'inst-1', name: 'nosql-1' },
  fail_reason: '',
};
const failed: RawJob = {
  ...running,
  status: 'Failed',
  progress: '',
  end_time: '2026-11-30T00:05:00+0000',
  fail_reason: 'Backup timed out.',
};

/** A world where job-1 ran from step 1 and failed at step 3; the baseline was at step 0. */
function world() {
  const history = createWorldHistory();
  history.observe([running], 1);
  history.observe([failed], 3);
  return history;
}

/** The event the watcher would build for this transition. */
function event(
  type: TransitionType,
  raw: RawJob,
  previousStatus: string | null,
  time = '2026-11-30T00:06:00.000Z',
) {
  return buildEvent(
    target,
    { type, job: normaliseRawJob(raw), previousStatus, progressStep: null, occurrence: 0 },
    new Date(time),
  );
}

const started = () => event('started', running, null);
const failure = () => event('failed', failed, 'Running');
const audit = (events: JobEvent[], extra: Partial<AuditInput> = {}) =>
  auditEvents({ history: world(), events, baselineAt: 0, ...extra });

describe('auditEvents', () => {
  it('finds nothing wrong with a faithful, replayed stream', () => {
    const replay = { ...failure(), time: '2026-11-30T00:09:00.000Z' };
    // As read back from a store: the same event with its keys in another order.
    const reordered = Object.fromEntries(Object.entries(replay).reverse()) as unknown as JobEvent;
    const report = audit([started(), failure(), replay, reordered]);
    expect(report).toEqual({ events: 4, distinctIds: 2, lost: [], contradicting: [], duplicateIds: [] });
  });

  it.each([
    ['nothing announced it', [started()], {}, 1],
    ['it was part of the baseline', [], { baselineAt: 3 }, 0],
    ['the watcher could not have seen it', [], { mustPublish: () => false }, 0],
  ] as const)('counts a terminal status as lost only when %s', (_case, events, extra, lost) => {
    expect(audit([...events], extra).lost).toHaveLength(lost);
  });

  it.each([
    ['a job that never existed', { ...started(), subject: 'job-9' }, /never existed/],
    [
      'a status the job never had',
      event('completed', { ...failed, status: 'Completed' }, 'Running'),
      /never/,
    ],
    ['a previous status the job never had first', event('failed', failed, 'Pending'), /never Pending before/],
    ['a started with a previous status', event('started', running, 'Failed'), /first seen Running/],
    [
      'different data than the job had',
      { ...failure(), data: { ...failure().data, job: { ...failure().data.job, fail_reason: 'Other' } } },
      /never was in this state/,
    ],
  ])('flags %s as contradicting', (_case, bad, why) => {
    const report = audit([bad as JobEvent]);
    expect(report.contradicting.map((finding) => finding.detail)).toEqual([expect.stringMatching(why)]);
  });

  it('flags a transition announced after a later one as contradicting', () => {
    expect(audit([failure(), started()]).contradicting).toEqual([
      expect.objectContaining({ detail: expect.stringMatching(/after a later state/) }),
    ]);
  });

  it('flags a transition under a second id, and an id that is not the transition’s', () => {
    const other = { ...failure(), id: '00000000-0000-8000-8000-000000000000' };
    const details = audit([started(), failure(), other]).duplicateIds.map((finding) => finding.detail);
    expect(details).toEqual([
      expect.stringMatching(/does not carry one of its transition's ids/),
      expect.stringMatching(/published under 2 ids/),
    ]);
  });

  it('flags an id published for two different contents', () => {
    const changed = { ...failure(), data: { ...failure().data, duration_seconds: 1 } };
    expect(audit([failure(), changed]).duplicateIds).toEqual([
      expect.objectContaining({ detail: expect.stringMatching(/two different contents/) }),
    ]);
  });

  it('accepts a progress between two samples when the history was sampled, not when it is complete', () => {
    const history = createWorldHistory();
    history.observe([running], 1);
    history.observe([{ ...running, progress: '40%' }], 2);
    const job = { ...(history.states('job-1')[0]?.job ?? ({} as never)), progress: 25 };
    const between = buildEvent(
      target,
      { type: 'started', job, previousStatus: null, progressStep: null, occurrence: 0 },
      new Date(),
    );
    const sampled = auditEvents({ history, events: [between], baselineAt: 0, completeHistory: false });
    const complete = auditEvents({ history, events: [between], baselineAt: 0 });
    expect([sampled.contradicting.length, complete.contradicting.length]).toEqual([0, 1]);
  });
});
