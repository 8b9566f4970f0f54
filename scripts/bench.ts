import { parseArgs } from 'node:util';
import { POLL_MEMORY_MB } from '../infra/bundling';
import { fixedCost, formatAllIn } from './bench/all-in';
import { type BundleResult, measureBundle } from './bench/bundle';
import { type CellSpec, type ResultRow, runCell, Scenario } from './bench/cell';
import { type DesignResults, measureDesigns } from './bench/designs';
import { ASSUMPTIONS, PRICES } from './bench/prices';
import {
  type Check,
  formatBundle,
  formatChecks,
  formatCost,
  formatLatency,
  formatRows,
} from './bench/report';

/**
 * `npm run bench [-- --json] [--cells 100x1,1000x1] [--quick] [--cost-only]`: the watcher against a naive
 * baseline on the jobs API simulator and dynalite, plus detection latency, the cost per target and
 * month of three polling designs (no fast polling, the old sleeping invocation, sub-ticks) at 10, 50
 * and 100 % running jobs, all in (every AWS item the account pays, bench/all-in.ts) for 1, 10 and
 * 100 targets with the fixed per-deployment cost, the Lambda bundle, and 100 targets in one
 * invocation against a simulator answering in 100 ms. Readable tables by default; `--json` prints one JSON document
 * instead (progress goes to stderr). `--quick` runs two cells and everything else.
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
/** Half-hour periods of each running-share scenario (two hours of simulated time). */
const COST_PERIODS = 4;
/** The construct's default poll function timeout, and AWS Lambda's own default. */
const CONSTRUCT_TIMEOUT_MS = 60_000;
const LAMBDA_DEFAULT_TIMEOUT_MS = 3_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      cells: { type: 'string' },
      'cost-only': { type: 'boolean', default: false },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // --cost-only: the polling designs, the all-in cost and the bundle, without the cells.
  const cellNames = values['cost-only']
    ? []
    : (values.cells?.split(',') ?? (values.quick ? QUICK_CELLS : DEFAULT_CELLS));

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
  const invocation = values['cost-only']
    ? []
    : (
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

  log(`polling designs: detection latency and cost per target and month at ${POLL_MEMORY_MB} MB`);
  const designs = await measureDesigns(POLL_MEMORY_MB, COST_PERIODS, log);
  const { latency, cost } = designs;
  log('bundle');
  const bundle = await measureBundle(5);

  const checks = targetsMet(rows, invocation, bundle, diffCpuMs, fullPages, designs);
  if (values.json) {
    const { bytes, load_ms_median, bare_node_ms_median, ...bundleDetails } = bundle;
    process.stdout.write(
      `${JSON.stringify({
        results: rows,
        bundle: { bytes, load_ms_median, bare_node_ms_median, ...bundleDetails },
        invocation_100_targets: invocation,
        latency,
        cost,
        all_in: designs.allIn,
        fixed_cost: fixedCost(),
        log_bytes: designs.logBytes,
        cost_model: { prices: PRICES, assumptions: ASSUMPTIONS, memory_mb: POLL_MEMORY_MB },
        idle_sub_tick_invocations: designs.idleTicks,
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
  out(
    '\nDetection latency (schedule every 60 s, sub-ticks at 15, 30 and 45 s polling targets with open jobs):',
  );
  out(formatLatency(latency));
  out(
    `\nCost per target and month, one target per estate, ${POLL_MEMORY_MB} MB arm64, schedule every 60 s, ` +
      `fastPollSeconds 15; latency over the same runs (${COST_PERIODS * 30} simulated minutes each):\n`,
  );
  out(formatCost(cost));
  out(
    `Prices (us-east-1 list, scripts/bench/prices.ts): Lambda arm64 $${PRICES.lambdaArmUsdPerGbSecond} per GB-s and ` +
      `$${PRICES.lambdaUsdPerRequest * 1e6} per million requests; SQS $${PRICES.sqsUsdPerRequest * 1e6} per million ` +
      `requests; DynamoDB $${PRICES.ddbUsdPerReadUnit * 1e6} per million RRU, $${PRICES.ddbUsdPerWriteUnit * 1e6} per ` +
      `million WRU. Assumed: ${ASSUMPTIONS.apiRoundTripMs} ms per jobs API request from AWS to Huawei; CPU time ` +
      `stretched by ${ASSUMPTIONS.fullVcpuMemoryMb} MB / memory; ${ASSUMPTIONS.sqsRequestsPerDelivery} SQS requests ` +
      'per sub-tick delivered besides its batch send; warm containers.',
  );
  const fixed = fixedCost();
  out(
    `\nAll in, per target and month (everything but the fixed cost), ${POLL_MEMORY_MB} MB arm64; the month total ` +
      `adds the fixed $${fixed.usd.toFixed(2)} (without the dashboard $${fixed.usdWithoutDashboard.toFixed(2)}):\n`,
  );
  out(formatAllIn(designs.allIn.filter((row) => row.design === 'sub-tick')));
  out(
    `\nFixed per deployment and month: ${Object.entries(fixed.items)
      .map(([item, usd]) => `${item} $${usd.toFixed(2)}`)
      .join(', ')}; total $${fixed.usd.toFixed(2)}.`,
  );
  out(
    `Assumed: the SQS event source mapping makes ${ASSUMPTIONS.esmReceivesPerMinute} ReceiveMessage a minute on the ` +
      `sub-tick queue whatever it holds; ${ASSUMPTIONS.platformLogBytesPerInvocation} bytes of Lambda's own log lines ` +
      `per invocation; the handler's own bytes measured (below); ${ASSUMPTIONS.kmsRequestsPerPublish} KMS request per ` +
      `SNS publish at most; one container reading the secret every ${ASSUMPTIONS.secretMaxAgeSeconds} s; no free tiers.`,
  );
  const logs = designs.logBytes;
  out(
    `Logs written by the handler at INFO (measured): idle tick ${Math.round(logs.tickBaseBytes)} + ` +
      `${Math.round(logs.tickPerTargetBytes)} bytes per target; sub-tick with nothing open ${Math.round(logs.subTickBaseBytes)} + ` +
      `${Math.round(logs.subTickPerTargetBytes)} per target; a poll with a transition adds ${Math.round(logs.busyPollBytes)}.`,
  );
  out(`Summary line of an invocation: ${logs.summaryLine}`);
  out(`EMF document of a busy poll: ${logs.emfDocument}`);
  out(`\n${formatBundle(bundle)}`);
  if (diffCpuMs !== undefined) out(`diff of 10,000 fetched jobs against 10,000 stored: ${diffCpuMs} ms CPU`);
  out('\nTargets (issues 6, 10, 13 and 18):');
  out(formatChecks(checks));
  if (!values.cells) out(`\nNot run: ${SKIPPED.map((skip) => `${skip.cell} (${skip.reason})`).join('; ')}`);
}

function targetsMet(
  rows: readonly ResultRow[],
  invocation: readonly ResultRow[],
  bundle: BundleResult,
  diffCpuMs: number | undefined,
  fullPages: number | undefined,
  designs: DesignResults,
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
    target: 'Lambda bundle <= 350 KB minified, the AWS SDK external (issue 6)',
    measured: `${bundle.variants.external.bytes} bytes`,
    met: bundle.variants.external.bytes <= 350_000,
    note: `shipped with the SDK ${bundle.shipped}: ${bundle.bytes} bytes, for its load time (below)`,
  });
  const busy = designs.allIn.find(
    (row) => row.design === 'sub-tick' && row.running_share === 1 && row.targets === 10,
  );
  if (busy) {
    checks.push({
      target: 'sub-ticks, all in, jobs running all month, 10 targets: <= $0.25 per target and month',
      measured: `$${busy.all_in_usd_per_target_month.toFixed(3)}`,
      met: busy.all_in_usd_per_target_month <= 0.25,
      note:
        `plus the fixed $${busy.fixed_usd_per_month.toFixed(2)} a month per deployment; of it the polling ` +
        `$${busy.polling_usd_per_target_month.toFixed(3)}, the events themselves $${busy.events_usd_per_target_month.toFixed(3)} ` +
        `(${busy.transitions_per_target_month} transitions a month: DynamoDB writes, SNS, KMS at one request a publish)`,
    });
    checks.push({
      target:
        'sub-ticks, jobs running all month, 10 targets: polling (all in but the events themselves) <= $0.25 per target and month',
      measured: `$${busy.polling_usd_per_target_month.toFixed(3)}`,
      met: busy.polling_usd_per_target_month <= 0.25,
    });
    checks.push({
      target: 'sub-ticks, jobs running all month: detection latency median <= 10 s',
      measured: `${busy.latency_median_s} s (p90 ${busy.latency_p90_s} s)`,
      met: busy.latency_median_s <= 10,
    });
  }
  const fixed = fixedCost();
  checks.push({
    target: 'fixed cost per deployment <= $3 a month',
    measured: `$${fixed.usd.toFixed(2)}; without the dashboard $${fixed.usdWithoutDashboard.toFixed(2)}`,
    met: fixed.usd <= 3,
    note: "the dashboard is $3 of it beyond an account's three free ones (JobWatcher `dashboard: false`)",
  });
  const idleTicks = designs.idleTicks;
  checks.push({
    target:
      'idle estate, sub-ticks: a tick 1 API request, <= 1 read unit, 0 writes, 1 SQS request (its sub-ticks); a sub-tick no API request',
    measured: `at most ${idleTicks.maxApiRequests} request, ${idleTicks.maxReadUnits} RCU, ${idleTicks.maxWriteUnits} WCU, ${idleTicks.maxSqsRequests} SQS requests over ${idleTicks.ticks} invocations`,
    met:
      idleTicks.ticks > 0 &&
      idleTicks.maxApiRequests === 1 &&
      idleTicks.maxReadUnits <= 1 &&
      idleTicks.maxWriteUnits === 0 &&
      idleTicks.maxSqsRequests <= ASSUMPTIONS.sqsRequestsPerDelivery,
  });
  checks.push({
    target: 'module load <= 2 x a bare `node -e 0` (median of 5 fresh processes, the same run)',
    measured: `${bundle.load_ms_median} ms = ${bundle.load_vs_bare_node} x ${bundle.bare_node_ms_median} ms (AWS SDK ${bundle.shipped})`,
    met: bundle.load_vs_bare_node <= 2,
    note:
      `external SDK ${bundle.variants.external.load_ms_median} ms (${bundle.variants.external.load_vs_bare_node} x), ` +
      `bundled ${bundle.variants.bundled.load_ms_median} ms (${bundle.variants.bundled.load_vs_bare_node} x); the DynamoDB ` +
      `client alone, which every poll needs: ${bundle.dynamodb_only_load_ms_median} ms (${bundle.dynamodb_only_vs_bare_node} x)`,
  });
  checks.push({
    target: 'poll bundle <= 150 KiB with the SDK external, or the bundled size stated with its load time',
    measured: `external ${(bundle.variants.external.bytes / 1024).toFixed(1)} KiB; bundled ${(bundle.variants.bundled.bytes / 1024).toFixed(1)} KiB, ${bundle.variants.bundled.load_ms_median} ms`,
    met: bundle.shipped === 'bundled' || bundle.variants.external.bytes <= 150 * 1024,
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
