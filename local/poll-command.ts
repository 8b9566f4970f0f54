import { authenticatorFor } from '../shared/auth/credentials';
import { describeAuth } from '../shared/auth/from-env';
import { ConfigError, parseSettings, type WatcherSettings } from '../shared/config';
import type { CycleReport } from '../shared/cycle/cycle';
import { type PollAllResult, pollAll } from '../shared/cycle/poll-all';
import type { Job } from '../shared/job';
import { createJobsClient } from '../shared/jobs/http-client';
import type { JobsApi } from '../shared/jobs/jobs-client';
import { skippedRecordLine } from '../shared/jobs/response';
import { printable } from '../shared/printable';
import type { Publisher } from '../shared/publish/publisher';
import { type Target, targetEndpoint } from '../shared/target';
import { parseFlags } from './flags';
import { idleLine } from './idle-line';
import {
  parseSinkSpec,
  parseStoreSpec,
  parseTargetSpec,
  type SinkSpec,
  type StoreSpec,
  UsageError,
} from './specs';
import { checkSinks, describeSink, type OpenedStore, openSinks, openStore } from './wiring';

/** Where `poll` keeps state when `--store` is not given: on disk, so runs continue where they stopped. */
export const DEFAULT_STORE = 'dynalite:.data/dynalite';

/** A parsed `poll` command line. */
export interface PollCommand {
  readonly once: boolean;
  readonly intervalSeconds: number;
  readonly settings: WatcherSettings;
  readonly store: StoreSpec;
  readonly sinks: readonly SinkSpec[];
  readonly quiet: boolean;
}

/** Flags of `poll`, as `node:util` parseArgs options. */
const POLL_FLAGS = {
  once: { type: 'boolean' },
  interval: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'project-id': { type: 'string' },
  target: { type: 'string', multiple: true },
  store: { type: 'string' },
  sink: { type: 'string', multiple: true },
  'announce-baseline': { type: 'boolean' },
  'progress-step': { type: 'string' },
  'stalled-after': { type: 'string', multiple: true },
  'lease-seconds': { type: 'string' },
  'page-size': { type: 'string' },
  concurrency: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** Setting paths as the flags that feed them, so a config error names what the user typed. */
const FLAG_OF: Record<string, string> = {
  region: '--region (or HUAWEICLOUD_SDK_REGION)',
  projectId: '--project-id (or HUAWEICLOUD_SDK_PROJECT_ID)',
  endpoint: '--endpoint',
  progressStepPercent: '--progress-step',
  stalledAfterSeconds: '--stalled-after',
  leaseSeconds: '--lease-seconds',
  pageSize: '--page-size',
  targetConcurrency: '--concurrency',
};

/** Parses `poll` arguments and validates the settings; throws UsageError or ConfigError (exit 2). */
export function parsePollCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): PollCommand {
  const values = parseFlags('poll', args, POLL_FLAGS);
  const targets = values.target?.map(parseTargetSpec) ?? [];
  const region = values.region ?? env.HUAWEICLOUD_SDK_REGION;
  const projectId = values['project-id'] ?? env.HUAWEICLOUD_SDK_PROJECT_ID;
  if (targets.length === 0 || region || projectId) {
    if (!region)
      throw new UsageError(
        'poll: --region is required (or set HUAWEICLOUD_SDK_REGION), e.g. --region ap-southeast-1',
      );
    if (!projectId)
      throw new UsageError('poll: --project-id is required (or set HUAWEICLOUD_SDK_PROJECT_ID)');
    targets.unshift({ region, projectId, ...(values.endpoint ? { endpoint: values.endpoint } : {}) });
  } else if (values.endpoint) {
    throw new UsageError(
      'poll: --endpoint goes with --region/--project-id; give a --target its own as REGION/PROJECT@URL',
    );
  }
  const stalledAfterSeconds: Record<string, number> = {};
  for (const entry of values['stalled-after'] ?? []) {
    const match = /^([^=]+)=(\d+)$/.exec(entry);
    if (!match?.[1])
      throw new UsageError(`--stalled-after: "${entry}" must be JOB_NAME=SECONDS (or *=SECONDS)`);
    stalledAfterSeconds[match[1]] = Number(match[2]);
  }
  const interval = values.interval === undefined ? 60 : Number(values.interval);
  if (!Number.isFinite(interval) || interval < 1) {
    throw new UsageError(`--interval: "${values.interval}" must be a number of seconds, at least 1`);
  }
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const settings = parseSettings(
    {
      targets,
      stalledAfterSeconds,
      announceBaseline: values['announce-baseline'] ?? false,
      progressStepPercent: number(values['progress-step']),
      leaseSeconds: number(values['lease-seconds']),
      pageSize: number(values['page-size']),
      targetConcurrency: number(values.concurrency),
    },
    (path) => {
      const [head, index, field] = path;
      if (head === 'targets' && typeof field === 'string') {
        return targets.length > 1 ? `--target #${Number(index) + 1} ${field}` : (FLAG_OF[field] ?? field);
      }
      return FLAG_OF[String(head)] ?? String(head);
    },
  );
  return {
    once: values.once ?? false,
    intervalSeconds: interval,
    settings,
    store: parseStoreSpec(values.store ?? DEFAULT_STORE),
    sinks: (values.sink ?? ['console']).map(parseSinkSpec),
    quiet: values.quiet ?? false,
  };
}

/** What `runPoll` writes to and reacts to; injectable for tests and the demo. */
export interface PollIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Status lines (stderr). */
  readonly status: (line: string) => void;
  /** Console-sink lines (stdout). */
  readonly out?: (line: string) => void;
  readonly color?: boolean;
  /** Wrap console-sink events to this many columns (a terminal's width); without `out`, stdout's own. */
  readonly columns?: number;
  /** Resolves when the loop should stop (Ctrl-C). */
  readonly stopped?: Promise<void>;
  /** Called with every scan's jobs (the demo draws progress bars from them). */
  readonly onScan?: (target: Target, jobs: readonly Job[]) => void;
  /** Called after each round of cycles. */
  readonly onRound?: (result: PollAllResult, store: OpenedStore) => void | Promise<void>;
}

/**
 * Runs `poll`: one round (`--once`) or one every `--interval` seconds until stopped.
 * Exit code 0 when every target's cycle succeeded, 1 when one failed (a line on stderr each).
 */
export async function runPoll(command: PollCommand, io: PollIo): Promise<number> {
  const { settings } = command;
  const apis = new Map(
    settings.targets.map((target) => {
      const api = createJobsClient({
        endpoint: targetEndpoint(target),
        projectId: target.projectId,
        auth: authenticatorFor(io.env, target),
      });
      return [target, io.onScan ? observed(api, (jobs) => io.onScan?.(target, jobs)) : api];
    }),
  );
  await checkSinks(command.sinks);
  const opened = await openStore(command.store);
  const publishers: Publisher[] = openSinks(command.sinks, {
    ...(io.out ? { write: io.out } : {}),
    ...(io.color !== undefined ? { color: io.color } : {}),
    ...(io.columns !== undefined ? { maxColumns: io.columns } : {}),
    showTarget: settings.targets.length > 1,
  });
  io.status(
    `watching ${settings.targets.map(describeTarget).join(', ')}; auth: ${describeAuth(io.env)}; store: ${opened.description}; sinks: ${command.sinks
      .map(describeSink)
      .join(', ')}`,
  );
  let exitCode = 0;
  try {
    let stop = false;
    void io.stopped?.then(() => {
      stop = true;
    });
    do {
      const result = await pollAll(
        {
          store: opened.store,
          publishers,
          options: settings,
          apiFor: (target) => apis.get(target) ?? fail(target),
        },
        settings.targets,
        { concurrency: settings.targetConcurrency },
      );
      exitCode = report(result, command, io);
      await io.onRound?.(result, opened);
      if (command.once || stop) break;
      await pause(command.intervalSeconds * 1000, io.stopped);
    } while (!stop);
  } finally {
    await Promise.allSettled(publishers.map((publisher) => publisher.close?.()));
    await opened.close();
  }
  return exitCode;
}

function report(result: PollAllResult, command: PollCommand, io: PollIo): number {
  for (const { error } of result.failures) io.status(printable(`error: ${error.message}`));
  let failed = result.failures.length > 0;
  for (const cycle of result.reports) {
    const target = describeTarget(cycle.target);
    // A record that does not fit is the API's oddity, not a failed cycle: a warning, exit 0.
    for (const record of cycle.skippedRecords) io.status(`warning: ${skippedRecordLine(target, record)}`);
    for (const line of cycle.publishErrors)
      io.status(printable(`error: target ${target}: publish failed: ${line}`));
    for (const line of cycle.jobErrors) io.status(printable(`error: target ${target}: ${line}`));
    if (cycle.publishErrors.length > 0 || cycle.jobErrors.length > 0) failed = true;
    if (!command.quiet)
      io.status(command.once || cycle.outcome !== 'idle' ? summarise(cycle) : idleLine(cycle));
  }
  return failed ? 1 : 0;
}

/** One status line per cycle: what it fetched, recorded and published. */
export function summarise(cycle: CycleReport): string {
  const transitions = Object.values(cycle.transitions).reduce((sum, count) => sum + (count ?? 0), 0);
  const what = cycle.baseline
    ? `baseline of ${cycle.recordedJobs} jobs`
    : `${transitions} transition${transitions === 1 ? '' : 's'}`;
  const pending = cycle.pendingLeft > 0 ? `, ${cycle.pendingLeft} left pending` : '';
  return `cycle ${describeTarget(cycle.target)}: ${cycle.outcome}, ${cycle.fetchedJobs} jobs in window, ${what}, ${cycle.published} published${pending}, ${cycle.apiRequests} API request${cycle.apiRequests === 1 ? '' : 's'}, ${cycle.durationMs} ms`;
}

/** The same API, reporting each scan's jobs to `onScan`. */
function observed(api: JobsApi, onScan: (jobs: readonly Job[]) => void): JobsApi {
  return {
    listJobs: (query) => api.listJobs(query),
    scanJobs: async (window) => {
      const scan = await api.scanJobs(window);
      onScan(scan.jobs);
      return scan;
    },
  };
}

function describeTarget(target: Target): string {
  return `${target.region}/${target.projectId}`;
}

function fail(target: Target): never {
  throw new ConfigError(`no jobs client for target ${describeTarget(target)}`);
}

/** Waits `ms`, or less when `stopped` resolves first; leaves no timer behind. */
function pause(ms: number, stopped: Promise<void> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([elapsed, ...(stopped ? [stopped] : [])]).finally(() => clearTimeout(timer));
}
