import type { BundleResult } from './bundle';
import type { ResultRow } from './cell';
import type { CostRow } from './cost';
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
        `fast polling ${result.adaptive ? `on (${result.design})` : 'off'}: median ${result.medianSeconds} s ` +
        `(started ${result.startedMedianSeconds} s, completed ${result.completedMedianSeconds} s), ` +
        `p90 ${result.p90Seconds} s, max ${result.maxSeconds} s over ${result.transitions} transitions; ` +
        `${result.cyclesPerHour} cycles and ${result.apiRequestsPerHour} API requests per hour`,
    )
    .join('\n');
}

/** The bundle as text: the shipped variant, then both against a bare node start. */
export function formatBundle(bundle: BundleResult): string {
  const line = (name: string, variant: BundleResult['variants'][keyof BundleResult['variants']]) =>
    `  ${name.padEnd(8)} ${String(variant.bytes).padStart(7)} bytes (${(variant.bytes / 1024).toFixed(1)} KiB), ` +
    `import ${variant.load_ms_median} ms median of ${variant.load_ms.length} fresh processes ` +
    `(${variant.load_vs_bare_node} x bare node; whole process ${variant.process_ms_median} ms)`;
  return [
    `poll function bundle (minified ESM), shipped: AWS SDK ${bundle.shipped}; bare \`node -e 0\` ${bundle.bare_node_ms_median} ms median`,
    line('external', bundle.variants.external),
    line('bundled', bundle.variants.bundled),
    `  (external: AWS SDK packages alone ${bundle.sdk_load_ms_median} ms; the bundle after them ${bundle.own_load_ms_median} ms)`,
  ].join('\n');
}

const COST_COLUMNS: readonly [string, (row: CostRow) => string][] = [
  ['design', (row) => row.design],
  ['running', (row) => `${row.running_share * 100} %`],
  ['$/target-month', (row) => row.usd_per_target_month.toFixed(3)],
  ['latency median s', (row) => String(row.latency_median_s)],
  ['p90 s', (row) => String(row.latency_p90_s)],
  ['invocations', (row) => String(row.lambda_invocations)],
  ['GB-s', (row) => String(Math.round(row.lambda_gb_seconds))],
  ['SQS req', (row) => String(row.sqs_requests)],
  ['RRU', (row) => String(row.ddb_read_units)],
  ['WRU', (row) => String(row.ddb_write_units)],
  ['API req', (row) => String(row.api_requests)],
  ['$ Lambda', (row) => row.usd_lambda.toFixed(3)],
  ['$ SQS', (row) => row.usd_sqs.toFixed(3)],
  ['$ DynamoDB', (row) => row.usd_dynamodb.toFixed(3)],
];

/** The cost rows as an aligned table: per target and month, and the month's figures behind it. */
export function formatCost(rows: readonly CostRow[]): string {
  const cells = [
    COST_COLUMNS.map(([title]) => title),
    ...rows.map((row) => COST_COLUMNS.map(([, cell]) => cell(row))),
  ];
  const widths = COST_COLUMNS.map((_, column) =>
    Math.max(...cells.map((line) => (line[column] ?? '').length)),
  );
  return cells
    .map((line) =>
      line
        .map((cell, column) =>
          column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}
