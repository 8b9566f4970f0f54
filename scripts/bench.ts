import { parseArgs } from 'node:util';
import { type BundleResult, measureBundle } from './bench/bundle';
import { type CellSpec, type ResultRow, runCell, Scenario } from './bench/cell';
import { type LatencyResult, measureDetectionLatency } from './bench/latency';
import { type Check, formatBundle, formatChecks, formatLatency, formatRows } from './bench/report';

/**
 * `npm run bench [-- --json] [--cells 100x1,1000x1] [--quick]`: the watcher against a naive
 * baseline on the jobs API simulator and dynalite, plus detection latency, the Lambda bundle, and
 * 100 targets in one invocation against a simulator answering in 100 ms. Readable tables by
 * default; `--json` prints one JSON document instead (progress goes to stderr).
 */

/** Cells (jobs in the window x targets) run by default. */
const DEFAULT_CELLS = ['100x1', '100x10', '100x100', '1000x1', '1000x10', '10000x1'];
const QUICK_CELLS = ['100x1', '1000x1'];
/** Cells not run by default, and why. */
const SKIPPED = [
  {
    cell: '1000x100',
    reason:
      '100,000 jobs: the naive baseline alone needs 200,000 DynamoDB requests a round (minutes on dynalite)',
  },
  {
    cell: '10000x10',
    reason: '100,000 jobs: as above; the watcher is per-target, so 10000x1 times 10 predicts it',
  },
  { cell: '10000x100', reason: '1,000,000 jobs: beyond this machine (memory and hours of naive rounds)' },
];
/** The construct's default poll function timeout, and AWS Lambda's own default. */
const CONSTRUCT_TIMEOUT_MS = 60_000;
const LAMBDA_DEFAULT_TIMEOUT_MS = 3_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      cells: { type: 'string' },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const cellNames = values.cells?.split(',') ?? (values.quick ? QUICK_CELLS : DEFAULT_CELLS);

  const rows: ResultRow[] = [];
  let diffCpuMs: number | undefined;
  let fullPages: number | undefined;
  for (const name of cellNames) {
    const [jobs, targets] = name.split('x').map(Number);
    if (!jobs || !targets) throw new Error(`--cells: "${name}" is not JOBSxTARGETS, e.g. 1000x10`);
    const big = jobs * targets >= 5_000;
    log(`cell ${name}`);
    const cell = await runCell(
      {
        jobs,
        targets,
        latencyMs: 0,
        strategies: ['watcher', 'naive'],
        watcherRepetitions: big ? 3 : 5,
        naiveRepetitions: big ? 1 : 3,
        concurrency: 4,
      } satisfies CellSpec,
      log,
    );
    rows.push(...cell.rows);
    if (jobs === 10_000 && targets === 1) {
      diffCpuMs = cell.diffCpuMs;
      fullPages = cell.fullResyncPagesPerTarget;
    }
  }

  log('100 targets in one invocation, simulator answering in 100 ms');
  const invocation = (
    await runCell(
      {
        jobs: 100,
        targets: 100,
        latencyMs: 100,
        strategies: ['watcher'],
        watcherRepetitions: 1,
        naiveRepetitions: 0,
        concurrency: 4,
      },
      log,
    )
  ).rows;

  log('detection latency');
  const latency: LatencyResult[] = [
    await measureDetectionLatency(false),
    await measureDetectionLatency(true),
  ];
  log('bundle');
  const bundle = await measureBundle(5);

  const checks = targetsMet(rows, invocation, bundle, diffCpuMs, fullPages);
  if (values.json) {
    const { bytes, load_ms_median, ...bundleDetails } = bundle;
    process.stdout.write(
      `${JSON.stringify({
        results: rows,
        bundle: { bytes, load_ms_median, ...bundleDetails },
        invocation_100_targets: invocation,
        latency,
        diff_cpu_ms_10000_jobs: diffCpuMs ?? null,
        checks,
        skipped: values.cells ? [] : SKIPPED,
      })}\n`,
    );
    return;
  }
  const out = (text: string) => process.stdout.write(`${text}\n`);
  out('Per round over all targets (medians of the repetitions); simulator answering at once.\n');
  out(formatRows(rows));
  out('\n100 targets in one invocation (targetConcurrency 4), simulator answering in 100 ms:\n');
  out(formatRows(invocation));
  out('\nDetection latency (schedule every 60 s, fast polls every 15 s while jobs run):');
  out(formatLatency(latency));
  out(`\n${formatBundle(bundle)}`);
  if (diffCpuMs !== undefined) out(`diff of 10,000 fetched jobs against 10,000 stored: ${diffCpuMs} ms CPU`);
  out('\nTargets (issues 6 and 10):');
  out(formatChecks(checks));
  if (!values.cells) out(`\nNot run: ${SKIPPED.map((skip) => `${skip.cell} (${skip.reason})`).join('; ')}`);
}

function targetsMet(
  rows: readonly ResultRow[],
  invocation: readonly ResultRow[],
  bundle: BundleResult,
  diffCpuMs: number | undefined,
  fullPages: number | undefined,
): Check[] {
  const checks: Check[] = [];
  const find = (scenario: string, jobs: number, targets: number) =>
    rows.find(
      (row) =>
        row.scenario === scenario &&
        row.jobs === jobs &&
        row.targets === targets &&
        row.strategy === 'watcher',
    );
  const idle = find(Scenario.Idle, 1000, 1);
  if (idle) {
    checks.push({
      target: 'idle cycle, 1,000 jobs: 1 API request, <= 2 read units, 0 writes',
      measured: `${idle.api_requests} request, ${idle.ddb_read_units} RCU, ${idle.ddb_write_units} WCU`,
      met: idle.api_requests === 1 && idle.ddb_read_units <= 2 && idle.ddb_write_units === 0,
    });
  }
  for (const row of rows.filter((r) => r.scenario === Scenario.Transitions && r.strategy === 'watcher')) {
    const k = row.transitions;
    // The lease with its intent, a record and a mark per job, the cursor (issue 10).
    const bound = 2 * k + 2 * row.targets;
    checks.push({
      target: `${k} transitions (${row.jobs} jobs x ${row.targets} targets): <= 2k + 2 write requests per target`,
      measured: `${row.ddb_write_requests} write requests (bound ${bound}), ${row.ddb_write_units} WCU`,
      met: row.ddb_write_requests <= bound,
    });
  }
  if (fullPages !== undefined) {
    checks.push({
      target: 'full resync of 10,000 jobs: 200 pages',
      measured: `${fullPages} pages`,
      met: fullPages === 200,
    });
  }
  if (diffCpuMs !== undefined) {
    checks.push({
      target: 'full resync of 10,000 jobs: diff under 500 ms CPU',
      measured: `${diffCpuMs} ms`,
      met: diffCpuMs < 500,
    });
  }
  checks.push({
    target: 'Lambda bundle <= 350 KB minified',
    measured: `${bundle.bytes} bytes`,
    met: bundle.bytes <= 350_000,
  });
  checks.push({
    target: 'module load <= 40 ms (median of 5 fresh processes)',
    measured: `${bundle.load_ms_median} ms`,
    met: bundle.load_ms_median <= 40,
    note: `AWS SDK v3 packages alone ${bundle.sdk_load_ms_median} ms; the bundle once they are loaded ${bundle.own_load_ms_median} ms`,
  });
  for (const row of invocation) {
    checks.push({
      target: `100 targets, ${row.scenario}, 100 ms API latency: within the default timeout`,
      measured: `${row.cycle_ms_median} ms`,
      met: row.cycle_ms_median < CONSTRUCT_TIMEOUT_MS,
      note: `construct default ${CONSTRUCT_TIMEOUT_MS / 1000} s${row.cycle_ms_median < LAMBDA_DEFAULT_TIMEOUT_MS ? '; also under' : '; over'} AWS's 3 s default`,
    });
  }
  return checks;
}

await main();
