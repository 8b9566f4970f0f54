import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job-event';
import {
  consoleLine,
  emailText,
  eventFacts,
  formatDuration,
  formatTime,
  headline,
  isTestEvent,
  SNS_SUBJECT_MAX_CHARS,
  subjectLine,
  TEST_JOB_NAME,
  TEST_NOTICE,
} from '../../../shared/publish/format';
import type { TransitionType } from '../../../shared/transition';
import { sampleEvent } from './fixtures';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [45, '45s'],
    [59.6, '1m'],
    [60, '1m'],
    [252, '4m 12s'],
    [3_600, '1h'],
    [7_500, '2h 5m'],
    [7_512, '2h 5m'],
    [90_000, '1d 1h'],
    [-252, '-4m 12s'],
    [Number.NaN, '?'],
  ])('formats %s seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('subjectLine', () => {
  it.each<[TransitionType, string]>([
    ['started', '[GeminiDB] BackupInstance on nosql-12f5 started'],
    ['progressed', '[GeminiDB] BackupInstance on nosql-12f5 at 50%'],
    ['completed', '[GeminiDB] BackupInstance on nosql-12f5 completed'],
    ['failed', '[GeminiDB] BackupInstance on nosql-12f5 failed'],
    ['status_changed', '[GeminiDB] BackupInstance on nosql-12f5 is now Paused'],
    ['stalled', '[GeminiDB] BackupInstance on nosql-12f5 stalled (running 2h 5m)'],
  ])('reads naturally for %s', (type, expected) => {
    expect(subjectLine(sampleEvent(type))).toBe(expected);
  });

  it('falls back to the instance id when the instance has no name', () => {
    expect(subjectLine(sampleEvent('failed', { instance: { id: 'inst-9', name: '' } }))).toBe(
      '[GeminiDB] BackupInstance on inst-9 failed',
    );
  });

  it(`cuts a long subject to ${SNS_SUBJECT_MAX_CHARS} characters ending with ...`, () => {
    const subject = subjectLine(sampleEvent('failed', { name: `Create${'Cassandra'.repeat(20)}` }));
    expect(subject).toHaveLength(SNS_SUBJECT_MAX_CHARS);
    expect(subject.endsWith('...')).toBe(true);
    expect(subject.startsWith('[GeminiDB] CreateCassandraCassandra')).toBe(true);
  });

  it('does not cut a subject of exactly the maximum length', () => {
    const fixed = '[GeminiDB]  on nosql-12f5 failed'.length;
    const subject = subjectLine(sampleEvent('failed', { name: 'x'.repeat(SNS_SUBJECT_MAX_CHARS - fixed) }));
    expect(subject).toHaveLength(SNS_SUBJECT_MAX_CHARS);
    expect(subject.endsWith('xx on nosql-12f5 failed')).toBe(true);
  });

  it('keeps the subject printable ASCII on one line, folding accents', () => {
    const subject = subjectLine(
      sampleEvent('failed', { name: 'Sauvegarde\r\nété\tnuit…', instance: { id: 'i', name: '实例-1 🚀' } }),
    );
    expect(subject).toBe('[GeminiDB] Sauvegarde ete nuit... on ??-1 ? failed');
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('consoleLine', () => {
  it.each<[TransitionType, string]>([
    ['started', '08:49:01 started        BackupInstance on nosql-12f5 (inst-1) at 50%'],
    ['progressed', '08:49:01 progressed     BackupInstance on nosql-12f5 (inst-1) at 50%'],
    ['completed', '08:49:01 completed      BackupInstance on nosql-12f5 (inst-1) in 4m 12s'],
    ['failed', '08:49:01 failed         BackupInstance on nosql-12f5 (inst-1) in 4m 12s, reason: Disk full'],
    ['status_changed', '08:49:01 status_changed BackupInstance on nosql-12f5 (inst-1) Running -> Paused'],
    ['stalled', '08:49:01 stalled        BackupInstance on nosql-12f5 (inst-1) at 50%, running 2h 5m'],
  ])('shows what matters for %s', (type, expected) => {
    expect(consoleLine(sampleEvent(type))).toBe(expected);
  });

  it('says new for a status change of a job not seen before', () => {
    expect(consoleLine(sampleEvent('status_changed', {}, null))).toContain('new -> Paused');
  });

  it('names the target first when asked, a long project id shortened', () => {
    const event = sampleEvent('completed');
    expect(consoleLine(event, { showTarget: true })).toBe(
      '08:49:01 ap-southeast-1/proj-1 completed      BackupInstance on nosql-12f5 (inst-1) in 4m 12s',
    );
    const long = { ...event, data: { ...event.data, project_id: '0549b4a43100d4f32f51c01c2fe4acdb' } };
    expect(consoleLine(long, { showTarget: true })).toMatch(/^08:49:01 ap-southeast-1\/0549b4a4… completed /);
  });

  it('fits a terminal: the instance by name alone, a long line wrapped between words onto indented rows', () => {
    const reason = 'The backup could not be written to OBS because the bucket policy denies the service role';
    const failed = sampleEvent('failed', {
      fail_reason: reason,
      instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
    });
    const rows = consoleLine(failed, { maxColumns: 80, showTarget: true }).split('\n');
    expect(rows).toEqual([
      '08:49:01 ap-southeast-1/proj-1 failed         BackupInstance on nosql-12f5 in 4m',
      '         12s, reason: The backup could not be written to OBS because the bucket',
      '         policy denies the service role',
    ]);
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(80);
    expect(consoleLine(sampleEvent('completed'), { maxColumns: 80 })).toBe(
      '08:49:01 completed      BackupInstance on nosql-12f5 in 4m 12s',
    );
  });

  it('cuts a word longer than a row', () => {
    const event = sampleEvent('failed', { fail_reason: 'x'.repeat(100) });
    const rows = consoleLine(event, { maxColumns: 40 }).split('\n');
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(40);
    expect(rows.join('').replace(/ /g, '')).toContain('x'.repeat(100));
  });

  it('shows the instance id when the instance has no name, also in a terminal', () => {
    const event = sampleEvent('completed', { instance: { id: 'inst-9', name: '' } });
    expect(consoleLine(event, { maxColumns: 80 })).toContain('BackupInstance on inst-9 in');
  });

  it('keeps a multi-line failure reason on one line', () => {
    const line = consoleLine(sampleEvent('failed', { fail_reason: 'Disk full\nretry later' }));
    expect(line).not.toContain('\n');
    expect(line).toContain('reason: Disk full retry later');
  });
});

describe('emailText', () => {
  it('summarises a failure with aligned fields, the console link and the event id', () => {
    const event = sampleEvent('failed');
    expect(emailText(event)).toBe(
      [
        'GeminiDB task BackupInstance on nosql-12f5 failed after 4m 12s: Disk full.',
        '',
        'Instance:   nosql-12f5 (inst-1)',
        'Job:        BackupInstance (job-1)',
        'Status:     Failed (was Running)',
        'Started:    2023-09-12 06:44:01 UTC',
        'Ended:      2023-09-12 06:48:13 UTC',
        'Duration:   4m 12s',
        'Project:    proj-1 (ap-southeast-1)',
        'Failure:    Disk full',
        'Detected:   2023-09-12 08:49:01 UTC',
        '',
        'Open in the Huawei Cloud console:',
        'https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo',
        '',
        'Event type: com.huaweicloud.geminidb.job.failed',
        `Event id:   ${event.id}`,
        '',
      ].join('\n'),
    );
  });

  it('leaves out empty fields and marks a job seen for the first time', () => {
    const text = emailText(sampleEvent('started', {}, null));
    expect(text).toContain('Status:     Running (first seen)');
    expect(text).toContain('Progress:   50%');
    expect(text).not.toMatch(/Ended:|Duration:|Failure:/);
  });

  it('does not add a full stop after a reason that ends with one', () => {
    const text = emailText(sampleEvent('failed', { fail_reason: 'Backup timed out.' }));
    expect(text.split('\n')[0]).toBe(
      'GeminiDB task BackupInstance on nosql-12f5 failed after 4m 12s: Backup timed out.',
    );
  });

  it('keeps a multi-line failure reason on one line of the column', () => {
    const text = emailText(sampleEvent('failed', { fail_reason: 'Disk full\nretry later' }));
    expect(text).toContain('Failure:    Disk full retry later\n');
  });
});

describe('headline', () => {
  it.each<[TransitionType, string]>([
    ['started', 'BackupInstance on nosql-12f5 started (at 50%)'],
    ['progressed', 'BackupInstance on nosql-12f5 at 50%'],
    ['completed', 'BackupInstance on nosql-12f5 completed in 4m 12s'],
    ['failed', 'BackupInstance on nosql-12f5 failed after 4m 12s: Disk full'],
    ['status_changed', 'BackupInstance on nosql-12f5 is now Paused (was Running)'],
    ['stalled', 'BackupInstance on nosql-12f5 stalled (running 2h 5m)'],
  ])('says what happened, where and how long for %s', (type, expected) => {
    expect(headline(sampleEvent(type))).toBe(expected);
  });

  it('says nothing about progress for a job started at 0%', () => {
    expect(headline(sampleEvent('started', { progress: 0 }))).toBe('BackupInstance on nosql-12f5 started');
  });

  it('starts with TEST for a test event', () => {
    expect(headline(asTest(sampleEvent('completed')))).toBe(
      'TEST BackupInstance on nosql-12f5 completed in 4m 12s',
    );
  });
});

describe('formatTime', () => {
  it.each([
    ['2023-09-12T06:44:01.000Z', '2023-09-12 06:44:01 UTC'],
    ['2023-09-12T08:44:01+02:00', '2023-09-12 06:44:01 UTC'],
    ['not a time', 'not a time'],
  ])('shows %s as %s', (iso, expected) => {
    expect(formatTime(iso)).toBe(expected);
  });
});

describe('eventFacts', () => {
  it('lists the key facts in reading order without the empty ones', () => {
    expect(eventFacts(sampleEvent('completed')).map((fact) => fact.label)).toEqual([
      'Instance',
      'Job',
      'Status',
      'Started',
      'Ended',
      'Duration',
      'Project',
    ]);
  });

  it('names an instance without name or id as (none)', () => {
    const facts = eventFacts(sampleEvent('completed', { instance: { id: '', name: '' } }));
    expect(facts[0]).toEqual({ label: 'Instance', value: '(none)' });
  });
});

describe('test events', () => {
  it('are recognised by the test extension attribute only', () => {
    expect(isTestEvent(asTest(sampleEvent('completed')))).toBe(true);
    expect(isTestEvent(sampleEvent('completed', { name: TEST_JOB_NAME }))).toBe(false);
  });

  it('are marked in the subject, the console line and the email', () => {
    const event = asTest(sampleEvent('completed', { name: TEST_JOB_NAME }));
    expect(subjectLine(event)).toBe('[GeminiDB] TEST WatcherTestEvent on nosql-12f5 completed');
    expect(consoleLine(event)).toContain('completed      TEST WatcherTestEvent on');
    expect(emailText(event).startsWith(`${TEST_NOTICE}\n\nGeminiDB task TEST WatcherTestEvent`)).toBe(true);
  });
});

function asTest(event: JobEvent): JobEvent {
  return { ...event, test: true } as JobEvent;
}
