import type { JobEvent } from '../event';
import { EVENT_TYPE_PREFIX } from '../event';

/**
 * Longest subject SNS accepts: the API reference says "less than 100 characters", so 99.
 * Longer subjects are cut and end with `...`.
 */
export const SNS_SUBJECT_MAX_CHARS = 99;

const CUT_MARKER = '...';

/** The transition kind of an event: its type without the common prefix (`failed`, `stalled`, ...). */
export function eventKind(event: Pick<JobEvent, 'type'>): string {
  return event.type.startsWith(EVENT_TYPE_PREFIX) ? event.type.slice(EVENT_TYPE_PREFIX.length) : event.type;
}

/**
 * A duration for people: the two largest units, e.g. `45s`, `4m 12s`, `2h 5m`, `3d 4h`.
 * Rounds to whole seconds; a zero second unit is left out (`4m`, not `4m 0s`).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const total = Math.round(Math.abs(seconds));
  const sign = seconds < 0 && total > 0 ? '-' : '';
  const units: readonly [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  const index = units.findIndex(([size]) => total >= size);
  if (index === -1) return '0s';
  const [bigSize, bigUnit] = units[index] as [number, string];
  const big = Math.floor(total / bigSize);
  const small = units[index + 1];
  if (small === undefined) return `${sign}${big}${bigUnit}`;
  const rest = Math.floor((total % bigSize) / small[0]);
  return rest === 0 ? `${sign}${big}${bigUnit}` : `${sign}${big}${bigUnit} ${rest}${small[1]}`;
}

/**
 * The SNS subject (the email subject line), like `[GeminiDB] BackupInstance on nosql-12f5 failed`.
 *
 * SNS replaces a subject that holds line breaks, control or non-ASCII characters with an error
 * text, so accents are folded (`é` to `e`), other such characters become `?` or a space, and a
 * subject longer than {@link SNS_SUBJECT_MAX_CHARS} is cut with an ASCII `...` (not `…`, which
 * SNS would refuse).
 */
export function subjectLine(event: JobEvent): string {
  const subject = toPrintableAscii(`[GeminiDB] ${summary(event)}`);
  if (subject.length <= SNS_SUBJECT_MAX_CHARS) return subject;
  return `${subject.slice(0, SNS_SUBJECT_MAX_CHARS - CUT_MARKER.length).trimEnd()}${CUT_MARKER}`;
}

/**
 * One line for a terminal: UTC time of detection, the kind padded to a column, job, instance and
 * what matters for the kind (duration, failure reason, progress, status change).
 * E.g. `06:44:01 completed      BackupInstance on nosql-12f5 (inst-1) in 4m 12s`.
 */
export function consoleLine(event: JobEvent): string {
  const { job } = event.data;
  const kind = eventKind(event);
  const details: string[] = [];
  if (kind === 'status_changed') details.push(`${event.data.previous_status ?? 'new'} -> ${job.status}`);
  if (job.progress !== null && kind !== 'status_changed') details.push(`at ${formatPercent(job.progress)}%`);
  if (kind === 'stalled') {
    const runningSeconds = secondsBetween(job.start_time, event.time);
    if (runningSeconds !== null) details.push(`running ${formatDuration(runningSeconds)}`);
  }
  if (event.data.duration_seconds !== null) details.push(`in ${formatDuration(event.data.duration_seconds)}`);
  if (job.fail_reason !== null) details.push(`reason: ${job.fail_reason}`);
  const time = event.time.slice(11, 19);
  const head = `${time} ${kind.padEnd(14)} ${job.name} on ${instanceLabel(event)}`;
  return oneLine(details.length === 0 ? head : `${head} ${details.join(', ')}`);
}

/**
 * The `email` body of the SNS message: a summary line, the key fields aligned in a column,
 * and the event id for reference. Empty fields (no end time, no failure) are left out.
 */
export function emailText(event: JobEvent): string {
  const { data } = event;
  const { job } = data;
  const fields: [string, string | null][] = [
    ['Job', `${job.name} (${job.id})`],
    ['Instance', instanceLabel(event)],
    ['Status', job.status],
    ['Previous', data.previous_status ?? '(first seen)'],
    ['Progress', job.progress === null ? null : `${formatPercent(job.progress)}%`],
    ['Started', job.start_time],
    ['Ended', job.end_time],
    ['Duration', data.duration_seconds === null ? null : formatDuration(data.duration_seconds)],
    ['Failure', job.fail_reason],
    ['Region', data.region],
    ['Project', data.project_id],
    ['Detected', event.time],
    ['Event type', event.type],
    ['Event id', event.id],
  ];
  const shown = fields.filter((field): field is [string, string] => field[1] !== null);
  const width = Math.max(...shown.map(([label]) => label.length)) + 2;
  const lines = shown.map(([label, value]) => `${`${label}:`.padEnd(width)}${oneLine(value)}`);
  return [`GeminiDB task ${oneLine(summary(event))}.`, '', ...lines, ''].join('\n');
}

/** `BackupInstance on nosql-12f5 failed`: the readable core of subject and email. */
function summary(event: JobEvent): string {
  const { job } = event.data;
  const instance = job.instance.name || job.instance.id;
  const where = instance === '' ? '' : ` on ${instance}`;
  return `${job.name}${where} ${outcome(event)}`;
}

function outcome(event: JobEvent): string {
  const { job } = event.data;
  const kind = eventKind(event);
  switch (kind) {
    case 'progressed':
      return job.progress === null ? 'progressed' : `at ${formatPercent(job.progress)}%`;
    case 'status_changed':
      return `is now ${job.status}`;
    case 'stalled': {
      const runningSeconds = secondsBetween(job.start_time, event.time);
      return runningSeconds === null ? 'stalled' : `stalled (running ${formatDuration(runningSeconds)})`;
    }
    default:
      return kind;
  }
}

function instanceLabel(event: JobEvent): string {
  const { instance } = event.data.job;
  if (instance.name === '') return instance.id;
  return instance.id === '' ? instance.name : `${instance.name} (${instance.id})`;
}

function formatPercent(progress: number): string {
  return String(Math.round(progress * 10) / 10);
}

function secondsBetween(fromIso: string, toIso: string): number | null {
  const elapsedMs = Date.parse(toIso) - Date.parse(fromIso);
  return Number.isFinite(elapsedMs) ? elapsedMs / 1000 : null;
}

/** Control characters (line breaks included) become spaces, so a value cannot break a line. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

function toPrintableAscii(text: string): string {
  return (
    oneLine(text)
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      // One `?` per code point, not per UTF-16 unit.
      .replace(/[^\u0020-\u007e]/gu, '?')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}
