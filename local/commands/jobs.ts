import { printable, printableJson } from '../../shared/printable';
import { formatTime } from '../../shared/publish/format';
import type { StoredJob } from '../../shared/store/task-store';
import type { Target } from '../../shared/target';
import { parseFlags } from '../flags';
import { DEFAULT_STORE } from '../poll-command';
import { parseStoreSpec, parseTargetSpec, type StoreSpec, UsageError } from '../specs';
import { openStore } from '../wiring';

/** A parsed `jobs` command line. */
export interface JobsCommand {
  readonly targets: readonly Target[];
  readonly store: StoreSpec;
  /** One JSON object per job instead of the table. */
  readonly json: boolean;
}

const JOBS_FLAGS = {
  region: { type: 'string' },
  'project-id': { type: 'string' },
  target: { type: 'string', multiple: true },
  store: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Parses `jobs` arguments; throws UsageError (exit 2). */
export function parseJobsCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): JobsCommand {
  const values = parseFlags('jobs', args, JOBS_FLAGS);
  const targets: Target[] = (values.target ?? []).map(parseTargetSpec);
  const region = values.region ?? env.HUAWEICLOUD_SDK_REGION;
  const projectId = values['project-id'] ?? env.HUAWEICLOUD_SDK_PROJECT_ID;
  if (targets.length === 0 || values.region || values['project-id']) {
    if (!region) throw new UsageError('jobs: --region is required (or set HUAWEICLOUD_SDK_REGION)');
    if (!projectId)
      throw new UsageError('jobs: --project-id is required (or set HUAWEICLOUD_SDK_PROJECT_ID)');
    targets.unshift({ region, projectId });
  }
  return { targets, store: parseStoreSpec(values.store ?? DEFAULT_STORE), json: values.json ?? false };
}

/** The part of the store `jobs` reads (the store port's `loadJobs`). */
export interface JobsReader {
  loadJobs(target: Target): Promise<Map<string, StoredJob>>;
}

/** What `runJobs` writes to and reads from; injectable for tests. */
export interface JobsIo {
  /** Table or JSON lines (stdout). */
  readonly out: (line: string) => void;
  /** Status lines (stderr). */
  readonly status: (line: string) => void;
  /** Opens the store; defaults to the CLI's `openStore` for `--store`. */
  readonly openStore?: (spec: StoreSpec) => Promise<{ store: JobsReader; close(): Promise<void> }>;
}

/** Column headings of the `jobs` table, in order. */
export const JOBS_COLUMNS = [
  'JOB',
  'NAME',
  'INSTANCE',
  'STATUS',
  'PROGRESS',
  'LAST CHANGE',
  'PENDING',
] as const;

/** One row of the `jobs` table. */
export interface JobRow {
  readonly job: string;
  readonly name: string;
  readonly instance: string;
  readonly status: string;
  readonly progress: string;
  /** The job's end, or its start while it has none (the API reports no other change time). */
  readonly lastChange: string;
  /** Events recorded but not yet published. */
  readonly pending: number;
}

/** A target's stored jobs, most recent change first (the job's end, or its start while it has none). */
export function sortedJobs(jobs: Iterable<StoredJob>): StoredJob[] {
  const lastChangeMs = (stored: StoredJob) => Date.parse(lastChangeOf(stored)) || 0;
  return [...jobs].sort((a, b) => lastChangeMs(b) - lastChangeMs(a) || a.job.id.localeCompare(b.job.id));
}

/** The rows of a target's stored jobs, most recent change first. */
export function jobRows(jobs: Iterable<StoredJob>): JobRow[] {
  return sortedJobs(jobs).map((stored) => {
    const { job } = stored;
    return {
      job: job.id,
      name: job.name,
      instance: job.instance.name || job.instance.id || '-',
      status: job.status,
      progress: job.progress === null ? '-' : `${Math.round(job.progress)}%`,
      lastChange: formatTime(lastChangeOf(stored)),
      pending: stored.pending.length,
    };
  });
}

/**
 * One `--json` line's object: the table's fields as values a program reads without parsing,
 * progress a number of percent (null when unknown), the last change in ISO 8601 (UTC), and null
 * where the table shows `-` (no instance).
 */
export interface JobJson {
  readonly target: string;
  readonly job: string;
  readonly name: string;
  readonly instance: string | null;
  readonly status: string;
  readonly progress: number | null;
  readonly lastChange: string;
  readonly pending: number;
}

/** The `--json` objects of a target's stored jobs, in the table's order. */
export function jobJsonLines(target: string, jobs: Iterable<StoredJob>): JobJson[] {
  return sortedJobs(jobs).map((stored) => {
    const { job } = stored;
    const last = lastChangeOf(stored);
    const lastMs = Date.parse(last);
    return {
      target,
      job: job.id,
      name: job.name,
      instance: job.instance.name || job.instance.id || null,
      status: job.status,
      progress: job.progress,
      lastChange: Number.isFinite(lastMs) ? new Date(lastMs).toISOString() : last,
      pending: stored.pending.length,
    };
  });
}

function lastChangeOf(stored: StoredJob): string {
  return stored.job.end_time ?? stored.job.start_time;
}

/** Renders rows as a plain-text table with a heading line, columns padded to their widest cell. */
export function renderTable(rows: readonly JobRow[]): string[] {
  // Job data comes from the API: a name holding a terminal escape must not reach the terminal.
  const cells = rows.map((row) =>
    [row.job, row.name, row.instance, row.status, row.progress, row.lastChange, String(row.pending)].map(
      printable,
    ),
  );
  const widths = JOBS_COLUMNS.map((heading, index) =>
    Math.max(heading.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(JOBS_COLUMNS), ...cells.map(render)];
}

/**
 * Runs `jobs`: what the store knows of each target's jobs, as a table (or JSON lines).
 * Exit code 0; a store that cannot be opened or read is an error (exit 1 from the CLI).
 */
export async function runJobs(command: JobsCommand, io: JobsIo): Promise<number> {
  const opened = await (io.openStore ?? openStore)(command.store);
  try {
    for (const target of command.targets) {
      const label = `${target.region}/${target.projectId}`;
      const stored = [...(await opened.store.loadJobs(target)).values()];
      if (command.json) {
        for (const line of jobJsonLines(label, stored)) io.out(printableJson(line));
        continue;
      }
      const rows = jobRows(stored);
      if (command.targets.length > 1) io.out(printable(`${label}:`));
      if (rows.length === 0) {
        io.status(`no jobs recorded for ${label}: run poll on it first (with the same --store)`);
        continue;
      }
      for (const line of renderTable(rows)) io.out(line);
      io.status(`${rows.length} job${rows.length === 1 ? '' : 's'} recorded for ${label}`);
    }
  } finally {
    await opened.close();
  }
  return 0;
}
