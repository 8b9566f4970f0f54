import type { BundleResult } from './bundle';
import type { ResultRow } from './cell';
import type { LatencyResult } from './latency';

/** One target of issue 6 next to what the benchmark measured. */
export interface Check {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  readonly note?: string;
}

const COLUMNS: readonly [string, keyof ResultRow][] = [
  ['scenario', 'scenario'],
  ['jobs', 'jobs'],
  ['targets', 'targets'],
  ['strategy', 'strategy'],
  ['api req', 'api_requests'],
  ['pages', 'pages'],
  ['RCU', 'ddb_read_units'],
  ['WCU', 'ddb_write_units'],
  ['reads', 'ddb_read_requests'],
  ['writes', 'ddb_write_requests'],
  ['trans', 'transitions'],
  ['ms (med)', 'cycle_ms_median'],
  ['cpu ms', 'cpu_ms'],
  ['rss MB', 'rss_mb'],
];

/** The rows as an aligned text table (figures are totals of one round over all targets). */
export function formatRows(rows: readonly ResultRow[]): string {
  const cells = [
    COLUMNS.map(([title]) => title),
    ...rows.map((row) => COLUMNS.map(([, key]) => String(row[key]))),
  ];
  const widths = COLUMNS.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, column) =>
          column < 4 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

/** The targets as a checklist. */
export function formatChecks(checks: readonly Check[]): string {
  return checks
    .map(
      (check) =>
        `${check.met ? 'met   ' : 'MISSED'}  ${check.target}: ${check.measured}${check.note ? ` (${check.note})` : ''}`,
    )
    .join('\n');
}

/** Detection latency as text. */
export function formatLatency(results: readonly LatencyResult[]): string {
  return results
    .map(
      (result) =>
        `adaptive polling ${result.adaptive ? 'on ' : 'off'}: median ${result.medianSeconds} s ` +
        `(started ${result.startedMedianSeconds} s, completed ${result.completedMedianSeconds} s), ` +
        `p90 ${result.p90Seconds} s, max ${result.maxSeconds} s over ${result.transitions} transitions; ` +
        `${result.cyclesPerHour} cycles and ${result.apiRequestsPerHour} API requests per hour`,
    )
    .join('\n');
}

/** The bundle as text. */
export function formatBundle(bundle: BundleResult): string {
  return (
    `poll function bundle: ${bundle.bytes} bytes (${(bundle.bytes / 1024).toFixed(1)} KiB) minified ESM; ` +
    `import ${bundle.load_ms_median} ms median of ${bundle.load_ms.length} fresh processes ` +
    `(AWS SDK packages alone ${bundle.sdk_load_ms_median} ms; the bundle after them ${bundle.own_load_ms_median} ms)`
  );
}
