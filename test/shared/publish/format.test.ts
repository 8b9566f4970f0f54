import { describe, expect, it } from 'vitest';
import {
  consoleLine,
  emailText,
  formatDuration,
  SNS_SUBJECT_MAX_CHARS,
  subjectLine,
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

  it('keeps a multi-line failure reason on one line', () => {
    const line = consoleLine(sampleEvent('failed', { fail_reason: 'Disk full\nretry later' }));
    expect(line).not.toContain('\n');
    expect(line).toContain('reason: Disk full retry later');
  });
});

describe('emailText', () => {
  it('summarises a failure with aligned fields and the event id', () => {
    const event = sampleEvent('failed');
    expect(emailText(event)).toBe(
      [
        'GeminiDB task BackupInstance on nosql-12f5 failed.',
        '',
        'Job:        BackupInstance (job-1)',
        'Instance:   nosql-12f5 (inst-1)',
        'Status:     Failed',
        'Previous:   Running',
        'Started:    2023-09-12T06:44:01.000Z',
        'Ended:      2023-09-12T06:48:13.000Z',
        'Duration:   4m 12s',
        'Failure:    Disk full',
        'Region:     ap-southeast-1',
        'Project:    proj-1',
        'Detected:   2023-09-12T08:49:01.000Z',
        'Event type: com.huaweicloud.geminidb.job.failed',
        `Event id:   ${event.id}`,
        '',
      ].join('\n'),
    );
  });

  it('leaves out empty fields and marks a job seen for the first time', () => {
    const text = emailText(sampleEvent('started', {}, null));
    expect(text).toContain('Previous:   (first seen)');
    expect(text).toContain('Progress:   50%');
    expect(text).not.toMatch(/Ended:|Duration:|Failure:/);
  });
});
