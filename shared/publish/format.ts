import type { JobEvent } from '../job-event';
import { EVENT_TYPE_PREFIX } from '../job-event';
import { printable } from '../printable';
import { instanceConsoleUrl } from '../relay/console-link';

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

/** How {@link consoleLine} lays out a line. */
export interface ConsoleLineOptions {
  /** Name the event's target (`ap-southeast-1/0549b4a4…`): for a console watching several. */
  readonly showTarget?: boolean;
  /** Wrap the line into rows of at most this many columns (a terminal's width); one line when absent. */
  readonly maxColumns?: number;
}

/**
 * One line for a terminal: UTC time of detection, the target when several are watched, the kind
 * padded to a column, job, instance and what matters for the kind (duration, failure reason,
 * progress, status change), e.g. `06:44:01 completed      BackupInstance on nosql-12f5 (inst-1) in 4m 12s`.
 * With `maxColumns` (a terminal) the instance is its name alone, and a line too long for a row
 * wraps between words onto indented rows, so nothing is lost and nothing wraps mid-word.
 */
export function consoleLine(event: JobEvent, options: ConsoleLineOptions = {}): string {
  const { job } = event.data;
  const kind = eventKind(event);
  const time = event.time.slice(11, 19);
  const target = options.showTarget ? `${shortTarget(event.data.region, event.data.project_id)} ` : '';
  const test = isTestEvent(event) ? 'TEST ' : '';
  // A terminal row has no room for a 36-character instance id beside its name; a file keeps both.
  const compact = options.maxColumns !== undefined;
  const instance = compact && job.instance.name !== '' ? job.instance.name : instanceLabel(event);
  const head = `${time} ${target}${kind.padEnd(14)} ${test}${job.name} on ${instance}`;
  const details = consoleDetails(event, kind);
  const line = oneLine(details.length === 0 ? head : `${head} ${details.join(', ')}`);
  return options.maxColumns === undefined ? line : wrapColumns(line, options.maxColumns);
}

/** What matters for the kind: the status change, progress, how long it ran, why it failed. */
function consoleDetails(event: JobEvent, kind: string): string[] {
  const { job } = event.data;
  const details: string[] = [];
  if (kind === 'status_changed') details.push(`${event.data.previous_status ?? 'new'} -> ${job.status}`);
  if (job.progress !== null && kind !== 'status_changed') details.push(`at ${formatPercent(job.progress)}%`);
  if (kind === 'stalled') {
    const runningSeconds = secondsBetween(job.start_time, event.time);
    if (runningSeconds !== null) details.push(`running ${formatDuration(runningSeconds)}`);
  }
  if (event.data.duration_seconds !== null) details.push(`in ${formatDuration(event.data.duration_seconds)}`);
  if (job.fail_reason !== null) details.push(`reason: ${job.fail_reason}`);
  return details;
}

/**
 * A target as a person scans it in a terminal: `ap-southeast-1/0549b4a4…`, a project id longer
 * than 12 characters shortened to its first 8.
 */
export function shortTarget(region: string, projectId: string): string {
  return `${region}/${projectId.length > 12 ? `${projectId.slice(0, 8)}…` : projectId}`;
}

/** Where a wrapped event's next rows start: under the kind, past the time. */
const WRAP_INDENT = 9;

/**
 * The line in rows of at most `columns` code points, broken between words (inside a word longer
 * than a row), each row after the first indented by {@link WRAP_INDENT}.
 */
function wrapColumns(line: string, columns: number): string {
  const indent = columns > WRAP_INDENT * 3 ? ' '.repeat(WRAP_INDENT) : '';
  const rows: string[] = [];
  let rest = [...line];
  let prefix = '';
  while (prefix.length + rest.length > columns) {
    const room = Math.max(columns - prefix.length, 1);
    const space = rest.lastIndexOf(' ', room);
    const cut = space > 0 ? space : room;
    rows.push(prefix + rest.slice(0, cut).join('').trimEnd());
    rest = [...rest.slice(cut).join('').trimStart()];
    prefix = indent;
  }
  rows.push(prefix + rest.join(''));
  return rows.join('\n');
}

/**
 * The name a test event's job carries (`send-test`), so people and filters can tell it apart.
 * A test event also carries the CloudEvents extension attribute `test: true`.
 */
export const TEST_JOB_NAME = 'WatcherTestEvent';

/** What a test event's messages say first, so nobody mistakes it for a real task. */
export const TEST_NOTICE = 'TEST MESSAGE: this checks the delivery path; no GeminiDB task changed.';

/** True for an event published by `send-test` (the CloudEvents extension attribute `test: true`). */
export function isTestEvent(event: JobEvent): boolean {
  return (event as JobEvent & { readonly test?: unknown }).test === true;
}

/**
 * What happened, in one line for people: the job, the instance, and what matters for the kind
 * (how long it took, why it failed, how far it got), e.g.
 * `BackupInstance on nosql-12f5 failed after 4m 12s: Disk full`.
 * Test events start with `TEST `. Control characters become spaces.
 */
export function headline(event: JobEvent): string {
  const { job } = event.data;
  const duration = event.data.duration_seconds;
  const kind = eventKind(event);
  let text: string;
  if (kind === 'completed' && duration !== null) text = `${summary(event)} in ${formatDuration(duration)}`;
  else if (kind === 'failed') {
    const after = duration === null ? '' : ` after ${formatDuration(duration)}`;
    text = `${summary(event)}${after}${job.fail_reason === null ? '' : `: ${job.fail_reason}`}`;
  } else if (kind === 'status_changed' && event.data.previous_status !== null) {
    text = `${summary(event)} (was ${event.data.previous_status})`;
  } else if (kind === 'started' && job.progress !== null && job.progress > 0) {
    text = `${summary(event)} (at ${formatPercent(job.progress)}%)`;
  } else text = summary(event);
  return oneLine(text);
}

/** An ISO 8601 UTC time for people: `2023-09-12 06:44:01 UTC` (unreadable input is shown as is). */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** One labelled fact of an event, for field lists in emails, Slack and Teams messages. */
export interface EventFact {
  readonly label: string;
  readonly value: string;
}

/**
 * The key facts of an event in reading order, without empty ones: instance, job, status (and the
 * previous one), progress, start, end, duration, target. The failure reason is not among them:
 * it can be long, so each message places it on its own.
 */
export function eventFacts(event: JobEvent): EventFact[] {
  const { data } = event;
  const { job } = data;
  const facts: [string, string | null][] = [
    ['Instance', instanceLabel(event) || '(none)'],
    ['Job', `${job.name} (${job.id})`],
    ['Status', statusText(event)],
    ['Progress', job.progress === null ? null : `${formatPercent(job.progress)}%`],
    ['Started', formatTime(job.start_time)],
    ['Ended', job.end_time === null ? null : formatTime(job.end_time)],
    ['Duration', data.duration_seconds === null ? null : formatDuration(data.duration_seconds)],
    ['Project', `${data.project_id} (${data.region})`],
  ];
  return facts
    .filter((fact): fact is [string, string] => fact[1] !== null)
    .map(([label, value]) => ({ label, value: oneLine(value) }));
}

/**
 * The `email` body of the SNS message, for a mail client: the headline as first line (the
 * preview), the key facts aligned in a column, the failure reason, a link to the instance in the
 * Huawei Cloud console on a line of its own, and the event type and id for reference.
 */
export function emailText(event: JobEvent): string {
  const { job } = event.data;
  const fields: [string, string][] = [
    ...eventFacts(event).map((fact): [string, string] => [fact.label, fact.value]),
    ...(job.fail_reason === null ? [] : [['Failure', oneLine(job.fail_reason)] as [string, string]]),
    ['Detected', formatTime(event.time)],
  ];
  const reference: [string, string][] = [
    ['Event type', event.type],
    ['Event id', oneLine(event.id)],
  ];
  const width = Math.max(...[...fields, ...reference].map(([label]) => label.length)) + 2;
  const column = ([label, value]: [string, string]) => `${`${label}:`.padEnd(width)}${value}`;
  return [
    ...(isTestEvent(event) ? [TEST_NOTICE, ''] : []),
    `GeminiDB task ${sentence(headline(event))}`,
    '',
    ...fields.map(column),
    '',
    'Open in the Huawei Cloud console:',
    instanceConsoleUrl(event.data.region, job.instance.id),
    '',
    ...reference.map(column),
    '',
  ].join('\n');
}

/** `Failed (was Running)`, `Running (first seen)`: the status with where it came from. */
function statusText(event: JobEvent): string {
  const previous = event.data.previous_status;
  const status = event.data.job.status;
  if (previous === null) return `${status} (first seen)`;
  return previous === status ? status : `${status} (was ${previous})`;
}

/** Ends a line with a full stop unless it already ends with punctuation. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** `BackupInstance on nosql-12f5 failed`: the readable core of subject and headline (`TEST ` first for a test event). */
function summary(event: JobEvent): string {
  const { job } = event.data;
  const instance = job.instance.name || job.instance.id;
  const where = instance === '' ? '' : ` on ${instance}`;
  return `${isTestEvent(event) ? 'TEST ' : ''}${job.name}${where} ${outcome(event)}`;
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
  return printable(text);
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
