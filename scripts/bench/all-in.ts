import { billedMs } from './cost';
import type { LogBytes } from './log-bytes';
import { ASSUMPTIONS, PRICES } from './prices';
import { Design, type SimulationResult } from './simulate';
import { round } from './stats';

/** Target counts the all-in rows are priced at. */
export const TARGET_COUNTS = [1, 10, 100] as const;

/**
 * What a deployment pays every month whatever it polls: the KMS key, the credentials secret, the
 * alarms (per metric each reads), the custom metrics every invocation writes, and the dashboard.
 */
export function fixedCost(): {
  readonly usd: number;
  readonly usdWithoutDashboard: number;
  readonly items: Readonly<Record<string, number>>;
} {
  const items = {
    kms_keys: ASSUMPTIONS.kmsKeys * PRICES.kmsKeyUsdPerMonth,
    secret: PRICES.secretUsdPerMonth,
    alarms: ASSUMPTIONS.alarmMetrics * PRICES.alarmUsdPerMetricMonth,
    always_on_metrics: ASSUMPTIONS.alwaysOnMetrics * PRICES.metricUsdPerMonth,
    dashboard: PRICES.dashboardUsdPerMonth,
  };
  const usd = Object.values(items).reduce((sum, value) => sum + value, 0);
  return { usd: round(usd, 2), usdWithoutDashboard: round(usd - items.dashboard, 2), items };
}

/** One row of the all-in table: per target and month, everything the account pays but the fixed cost. */
export interface AllInRow {
  readonly design: Design;
  readonly targets: number;
  readonly running_share: number;
  readonly all_in_usd_per_target_month: number;
  /**
   * The part of it the events themselves cost, whatever the polling design: their DynamoDB writes
   * (record, mark, claim and cursor), SNS publishes and KMS requests.
   */
  readonly events_usd_per_target_month: number;
  /** The rest: what watching costs (Lambda, SQS, reads, logs, metrics, secret calls, schedule). */
  readonly polling_usd_per_target_month: number;
  /** Transitions announced per target and month in this scenario (they drive the events' cost). */
  readonly transitions_per_target_month: number;
  readonly fixed_usd_per_month: number;
  readonly fixed_usd_per_month_without_dashboard: number;
  /** All targets, all in, plus the fixed cost. */
  readonly monthly_total_usd: number;
  readonly latency_median_s: number;
  readonly latency_p90_s: number;
  /** Per target and month, by item. */
  readonly usd_lambda: number;
  readonly usd_sqs: number;
  readonly usd_dynamodb: number;
  readonly usd_logs: number;
  readonly usd_metrics: number;
  readonly usd_sns: number;
  readonly usd_secrets_manager: number;
  readonly usd_kms: number;
  readonly usd_scheduler: number;
  /** The whole deployment's month behind them. */
  readonly lambda_invocations: number;
  readonly lambda_gb_seconds: number;
  readonly sqs_requests: number;
  readonly sqs_esm_empty_receives: number;
  readonly ddb_read_units: number;
  readonly ddb_write_units: number;
  readonly log_gb: number;
  readonly sns_publishes: number;
  readonly secrets_manager_calls: number;
  readonly kms_requests: number;
  readonly scheduler_invocations: number;
}

/** The inputs of one design at one running share: its one-target simulation and latency. */
export interface DesignRun {
  readonly design: Design;
  readonly runningShare: number;
  readonly result: SimulationResult;
  readonly windowMs: number;
  readonly latencyMedianS: number;
  readonly latencyP90S: number;
}

/**
 * Prices a design for `targets` targets from its one-target simulation. Per target (linear in the
 * targets): the polls' billed time, DynamoDB units, transitions (SNS publishes, KMS requests) and
 * the log bytes of busy polls. Per deployment (one set of invocations polls every target): Lambda
 * requests and each invocation's overhead and log lines, the sub-tick SQS requests and the event
 * source mapping's receives, the schedule, the secret reads, and the custom metrics written only in
 * busy hours. Polls within an invocation run `targetConcurrency` at a time, so its billed time is
 * the per-target work times targets over min(targets, concurrency).
 */
export function allInRow(run: DesignRun, targets: number, memoryMb: number, logs: LogBytes): AllInRow {
  const { result, windowMs } = run;
  const calls = result.invocations.filter((call) => call.atMs >= 0 && call.atMs < windowMs);
  const scale = (ASSUMPTIONS.monthSeconds * 1000) / windowMs;
  const sum = (pick: (call: (typeof calls)[number]) => number) =>
    calls.reduce((total, call) => total + pick(call), 0) * scale;
  const ticks = sum((call) => (call.kind === 'tick' ? 1 : 0));
  const subTicks = sum((call) => (call.kind === 'sub-tick' ? 1 : 0));
  const invocations = ticks + subTicks;
  const pollMs = sum((call) => billedMs(call, memoryMb));
  const busyPolls = sum((call) => (call.transitions > 0 ? 1 : 0));
  const transitions = sum((call) => call.transitions);
  const parallel = Math.min(targets, ASSUMPTIONS.targetConcurrency);
  const gbSeconds =
    ((invocations * ASSUMPTIONS.invocationOverheadMs + (pollMs * targets) / parallel) / 1000) *
    (memoryMb / 1024);
  const queue = run.design === Design.SubTick;
  const esmReceives = queue ? (ASSUMPTIONS.esmReceivesPerMinute * ASSUMPTIONS.monthSeconds) / 60 : 0;
  const sqsRequests = sum((call) => call.sqsRequests) + esmReceives;
  const readUnits = sum((call) => call.readUnits) * targets;
  const writeUnits = sum((call) => call.writeUnits) * targets;
  const logBytes =
    ticks *
      (ASSUMPTIONS.platformLogBytesPerInvocation + logs.tickBaseBytes + logs.tickPerTargetBytes * targets) +
    subTicks *
      (ASSUMPTIONS.platformLogBytesPerInvocation +
        logs.subTickBaseBytes +
        logs.subTickPerTargetBytes * targets) +
    invocations * logs.idleLines * ASSUMPTIONS.logBytesPerLine +
    busyPolls * targets * (logs.busyPollBytes + logs.busyPollLines * ASSUMPTIONS.logBytesPerLine);
  const publishes = transitions * targets;
  const kmsRequests = publishes * ASSUMPTIONS.kmsRequestsPerPublish;
  const secretCalls =
    (ASSUMPTIONS.secretReadingContainers * ASSUMPTIONS.monthSeconds) / ASSUMPTIONS.secretMaxAgeSeconds;
  // Metrics written only in hours with changes: the chance an hour has one, over independent targets.
  const busyHours = 1 - (1 - Math.min(1, run.runningShare)) ** targets;
  const usd = {
    lambda: invocations * PRICES.lambdaUsdPerRequest + gbSeconds * PRICES.lambdaArmUsdPerGbSecond,
    sqs: sqsRequests * PRICES.sqsUsdPerRequest,
    dynamodb: readUnits * PRICES.ddbUsdPerReadUnit + writeUnits * PRICES.ddbUsdPerWriteUnit,
    logs: (logBytes / 1e9) * PRICES.logsUsdPerGb,
    metrics: ASSUMPTIONS.busyHourMetrics * PRICES.metricUsdPerMonth * busyHours,
    sns: publishes * PRICES.snsUsdPerPublish,
    secrets: secretCalls * PRICES.secretUsdPerCall,
    kms: kmsRequests * PRICES.kmsUsdPerRequest,
    scheduler: ticks * PRICES.schedulerUsdPerInvocation,
  };
  const total = Object.values(usd).reduce((all, value) => all + value, 0);
  const events = writeUnits * PRICES.ddbUsdPerWriteUnit + usd.sns + usd.kms;
  const fixed = fixedCost();
  const perTarget = (value: number) => round(value / targets, 4);
  return {
    design: run.design,
    targets,
    running_share: run.runningShare,
    all_in_usd_per_target_month: round(total / targets, 3),
    events_usd_per_target_month: round(events / targets, 3),
    polling_usd_per_target_month: round((total - events) / targets, 3),
    transitions_per_target_month: Math.round(transitions),
    fixed_usd_per_month: fixed.usd,
    fixed_usd_per_month_without_dashboard: fixed.usdWithoutDashboard,
    monthly_total_usd: round(total + fixed.usd, 2),
    latency_median_s: run.latencyMedianS,
    latency_p90_s: run.latencyP90S,
    usd_lambda: perTarget(usd.lambda),
    usd_sqs: perTarget(usd.sqs),
    usd_dynamodb: perTarget(usd.dynamodb),
    usd_logs: perTarget(usd.logs),
    usd_metrics: perTarget(usd.metrics),
    usd_sns: perTarget(usd.sns),
    usd_secrets_manager: perTarget(usd.secrets),
    usd_kms: perTarget(usd.kms),
    usd_scheduler: perTarget(usd.scheduler),
    lambda_invocations: Math.round(invocations),
    lambda_gb_seconds: round(gbSeconds),
    sqs_requests: Math.round(sqsRequests),
    sqs_esm_empty_receives: Math.round(esmReceives),
    ddb_read_units: Math.round(readUnits),
    ddb_write_units: Math.round(writeUnits),
    log_gb: round(logBytes / 1e9, 4),
    sns_publishes: Math.round(publishes),
    secrets_manager_calls: Math.round(secretCalls),
    kms_requests: Math.round(kmsRequests),
    scheduler_invocations: Math.round(ticks),
  };
}

/** The all-in table as text: one line per design, targets and running share. */
export function formatAllIn(rows: readonly AllInRow[]): string {
  const columns: [string, (row: AllInRow) => string][] = [
    ['design', (row) => row.design],
    ['targets', (row) => String(row.targets)],
    ['running', (row) => `${row.running_share * 100} %`],
    ['all-in $/target-month', (row) => row.all_in_usd_per_target_month.toFixed(3)],
    ['of which polling', (row) => row.polling_usd_per_target_month.toFixed(3)],
    ['events', (row) => row.events_usd_per_target_month.toFixed(3)],
    ['transitions', (row) => String(row.transitions_per_target_month)],
    ['month total $ (fixed incl.)', (row) => row.monthly_total_usd.toFixed(2)],
    ['latency median s', (row) => String(row.latency_median_s)],
    ['Lambda', (row) => row.usd_lambda.toFixed(4)],
    ['SQS', (row) => row.usd_sqs.toFixed(4)],
    ['DynamoDB', (row) => row.usd_dynamodb.toFixed(4)],
    ['Logs', (row) => row.usd_logs.toFixed(4)],
    ['metrics', (row) => row.usd_metrics.toFixed(4)],
    ['SNS+KMS', (row) => (row.usd_sns + row.usd_kms).toFixed(4)],
    ['secret calls', (row) => row.usd_secrets_manager.toFixed(4)],
    ['schedule', (row) => row.usd_scheduler.toFixed(4)],
  ];
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, cell]) => cell(row)))];
  const widths = columns.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}
