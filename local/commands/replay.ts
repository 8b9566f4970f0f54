import type { JobEvent } from '../../shared/job-event';
import { describeError, type Publisher, publishOne } from '../../shared/publish/publisher';
import type { EventHistory } from '../../shared/store/event-history';
import type { Target } from '../../shared/target';
import { parseFlags } from '../flags';
import { DEFAULT_STORE } from '../poll-command';
import { parseSinkSpec, parseStoreSpec, type SinkSpec, type StoreSpec, UsageError } from '../specs';
import { checkSinks, describeSink, openSinks, openStore } from '../wiring';

/** A parsed `replay` command line. */
export interface ReplayCommand {
  readonly target: Target;
  /** Events detected at or after this time (epoch ms). */
  readonly sinceMs: number;
  /** Events detected before this time (epoch ms); absent: up to now. */
  readonly untilMs?: number;
  readonly jobId?: string;
  readonly store: StoreSpec;
  readonly sinks: readonly SinkSpec[];
  /** List the events instead of publishing them. */
  readonly dryRun: boolean;
}

const REPLAY_FLAGS = {
  region: { type: 'string' },
  'project-id': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  job: { type: 'string' },
  store: { type: 'string' },
  sink: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
} as const;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a `--since`/`--until` value: ISO 8601 with a zone (`2026-11-30T01:00:00Z`) or a duration
 * before `nowMs` (`90s`, `30m`, `2h`, `1d`). Throws UsageError naming the flag.
 */
export function parseReplayTime(flag: string, value: string, nowMs: number): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return nowMs - Number(relative[1]) * (UNIT_MS[relative[2] ?? ''] ?? 0);
  const ms = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  throw new UsageError(
    `${flag}: "${value}" is not a time; use ISO 8601 with a zone (2026-11-30T01:00:00Z) or a duration ago (30m, 2h, 1d)`,
  );
}

/** Parses `replay` arguments; throws UsageError (exit 2). */
export function parseReplayCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  nowMs: number = Date.now(),
): ReplayCommand {
  const values = parseFlags('replay', args, REPLAY_FLAGS);
  const region = values.region ?? env.HUAWEICLOUD_SDK_REGION;
  const projectId = values['project-id'] ?? env.HUAWEICLOUD_SDK_PROJECT_ID;
  if (!region) throw new UsageError('replay: --region is required (or set HUAWEICLOUD_SDK_REGION)');
  if (!projectId)
    throw new UsageError('replay: --project-id is required (or set HUAWEICLOUD_SDK_PROJECT_ID)');
  if (!values.since)
    throw new UsageError('replay: --since is required, e.g. --since 2h or --since 2026-11-30T01:00:00Z');
  const sinceMs = parseReplayTime('--since', values.since, nowMs);
  const untilMs = values.until === undefined ? undefined : parseReplayTime('--until', values.until, nowMs);
  if (untilMs !== undefined && untilMs <= sinceMs) {
    throw new UsageError(
      `--until: "${values.until}" is not after --since "${values.since}"; swap or widen them`,
    );
  }
  if (values.job === '') throw new UsageError('--job: give a job id');
  return {
    target: { region, projectId },
    sinceMs,
    ...(untilMs === undefined ? {} : { untilMs }),
    ...(values.job === undefined ? {} : { jobId: values.job }),
    store: parseStoreSpec(values.store ?? DEFAULT_STORE),
    sinks: (values.sink ?? ['console']).map(parseSinkSpec),
    dryRun: values['dry-run'] ?? false,
  };
}

/** What `runReplay` writes to and reads from; injectable for tests. */
export interface ReplayIo {
  /** `--dry-run` listing and console-sink lines (stdout). */
  readonly out: (line: string) => void;
  /** Status lines (stderr). */
  readonly status: (line: string) => void;
  readonly color?: boolean;
  /** Opens the store; defaults to the CLI's `openStore` for `--store`. */
  readonly openStore?: (spec: StoreSpec) => Promise<{ store: EventHistory; close(): Promise<void> }>;
  /** Opens the sinks; defaults to the CLI's `openSinks`. */
  readonly openSinks?: (specs: readonly SinkSpec[]) => Publisher[];
}

/** The cells of one `--dry-run` line: time, type, job, status and id. */
export function replayEventCells(event: JobEvent): string[] {
  const type = event.type.slice(event.type.lastIndexOf('.') + 1);
  return [event.time, type, event.subject, event.data.job.status, event.id];
}

/** The `--dry-run` listing: one line per event, every column padded to its widest cell. */
export function renderReplayEvents(events: readonly JobEvent[]): string[] {
  const rows = events.map(replayEventCells);
  const widths = (rows[0] ?? []).map((_cell, index) =>
    Math.max(...rows.map((row) => row[index]?.length ?? 0)),
  );
  return rows.map((row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Runs `replay`: re-publishes the target's recorded events detected in the window to every sink,
 * under their original ids (consumers that drop duplicates by id drop what they already had).
 * Exit code 0 when every sink took every event, 1 when a sink refused one (a line each on stderr).
 */
export async function runReplay(command: ReplayCommand, io: ReplayIo): Promise<number> {
  if (!command.dryRun && !io.openSinks) await checkSinks(command.sinks);
  const opened = await (io.openStore ?? openStore)(command.store);
  let events: JobEvent[];
  try {
    events = await opened.store.listEvents(command.target, {
      sinceMs: command.sinceMs,
      ...(command.untilMs === undefined ? {} : { untilMs: command.untilMs }),
      ...(command.jobId === undefined ? {} : { jobId: command.jobId }),
    });
  } finally {
    await opened.close();
  }
  const jobs = new Set(events.map((event) => event.subject)).size;
  const window = `since ${new Date(command.sinceMs).toISOString()}${
    command.untilMs === undefined ? '' : ` until ${new Date(command.untilMs).toISOString()}`
  }`;
  const counted = `${events.length} event${events.length === 1 ? '' : 's'} of ${jobs} job${jobs === 1 ? '' : 's'}`;
  if (command.dryRun) {
    for (const line of renderReplayEvents(events)) io.out(line);
    io.status(`would replay ${counted} ${window} (dry run: nothing published)`);
    return 0;
  }
  const publishers = (
    io.openSinks ??
    ((specs: readonly SinkSpec[]) =>
      openSinks(specs, { write: io.out, ...(io.color === undefined ? {} : { color: io.color }) }))
  )(command.sinks);
  let failed = 0;
  try {
    for (const event of events) {
      for (const [index, publisher] of publishers.entries()) {
        try {
          await publishOne(publisher, event);
        } catch (error) {
          failed += 1;
          const sink = command.sinks[index];
          const message = describeError(error);
          io.status(
            `error: event ${event.id}: sink ${sink ? describeSink(sink) : publisher.name}: ${message.replace(/\s+/g, ' ')}`,
          );
        }
      }
    }
  } finally {
    await Promise.allSettled(publishers.map((publisher) => publisher.close?.()));
  }
  const sinks = command.sinks.map(describeSink).join(', ');
  io.status(
    failed === 0
      ? `replayed ${counted} ${window} to ${sinks}`
      : `replayed ${counted} ${window} to ${sinks}; ${failed} publish${failed === 1 ? '' : 'es'} refused`,
  );
  return failed === 0 ? 0 : 1;
}
