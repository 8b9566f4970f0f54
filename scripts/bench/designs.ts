import { type AllInRow, allInRow, type DesignRun, TARGET_COUNTS } from './all-in';
import { startBackend } from './backend-client';
import { type CostRow, monthlyCost } from './cost';
import { type LatencyResult, latencyOf, quantile } from './latency';
import { type LogBytes, measureLogBytes } from './log-bytes';
import { benchProjectIds } from './names';
import { latencyPlan, runningShareOf, runningSharePlan } from './scenarios';
import { Design, simulate } from './simulate';
import { median, round } from './stats';

/** Running shares the cost rows are priced at. */
export const RUNNING_SHARES = [0.1, 0.5, 1] as const;
const DESIGNS = [Design.None, Design.Sleeping, Design.SubTick] as const;

/** What {@link measureDesigns} found. */
export interface DesignResults {
  /** Per design and running share: the month's cost and the detection latency. */
  readonly cost: readonly CostRow[];
  /** Per design, target count and running share: everything the account pays (all-in.ts). */
  readonly allIn: readonly AllInRow[];
  /** What the poll handler writes to its logs, measured. */
  readonly logBytes: LogBytes;
  /** The latency scenario of issue 6 with fast polling off and on (the sub-tick design). */
  readonly latency: readonly LatencyResult[];
  /** An idle estate (no job ever runs) under the sub-tick design: the most any invocation after the baseline cost. */
  readonly idleTicks: {
    readonly ticks: number;
    readonly maxApiRequests: number;
    readonly maxReadUnits: number;
    readonly maxWriteUnits: number;
    readonly maxSqsRequests: number;
  };
}

/**
 * Runs the three designs on one backend, each on its own target: the latency scenario (fast
 * polling off and on), then, for each running share, a scenario of `periods` half-hour periods in
 * which jobs run that share of the time, priced per target and month at `memoryMb`.
 */
export async function measureDesigns(
  memoryMb: number,
  periods: number,
  log: (line: string) => void,
): Promise<DesignResults> {
  const runs = 3 + RUNNING_SHARES.length * DESIGNS.length;
  const projects = benchProjectIds(runs + 100 + 11).slice(100);
  const backend = await startBackend({
    projectIds: projects,
    jobsPerProject: 100,
    runningPerProject: 0,
    latencyMs: 0,
  });
  try {
    let next = 0;
    const project = () => projects[next++] ?? '';
    const latency: LatencyResult[] = [];
    for (const design of [Design.None, Design.SubTick]) {
      log(`  latency scenario, ${design}`);
      latency.push(latencyOf(await simulate(backend, project(), design, latencyPlan())));
    }
    log('  log bytes of the poll handler');
    const logBytes = await measureLogBytes(backend, projects.slice(runs));
    log('  idle estate, sub-tick');
    const idle = (await simulate(backend, project(), Design.SubTick, [])).invocations.filter(
      (call) => call.atMs >= 0,
    );
    const most = (pick: (call: (typeof idle)[number]) => number) => Math.max(0, ...idle.map(pick));
    const idleTicks = {
      ticks: idle.length,
      maxApiRequests: most((call) => call.apiRequests),
      maxReadUnits: most((call) => call.readUnits),
      maxWriteUnits: most((call) => call.writeUnits),
      maxSqsRequests: most((call) => call.sqsRequests),
    };
    const cost: CostRow[] = [];
    const allIn: AllInRow[] = [];
    const windowMs = periods * 30 * 60_000;
    for (const share of RUNNING_SHARES) {
      const plan = runningSharePlan(share, periods);
      const actual = runningShareOf(plan, windowMs);
      for (const design of DESIGNS) {
        const started = performance.now();
        const result = await simulate(backend, project(), design, plan);
        const month = monthlyCost(result, memoryMb, windowMs);
        const seconds = result.samples.map((sample) => sample.seconds);
        const run: DesignRun = {
          design,
          runningShare: share,
          result,
          windowMs,
          latencyMedianS: round(median(seconds)),
          latencyP90S: round(quantile(seconds, 0.9)),
        };
        for (const targets of TARGET_COUNTS) allIn.push(allInRow(run, targets, memoryMb, logBytes));
        const single = allInRow(run, 1, memoryMb, logBytes);
        log(
          `  ${design} at ${share * 100} % running (${round(actual * 100)} % measured): ` +
            `$${month.usd.total.toFixed(3)} a month, ${Math.round(performance.now() - started)} ms`,
        );
        cost.push({
          design,
          running_share: share,
          usd_per_target_month: round(month.usd.total, 3),
          all_in_usd_per_target_month: single.all_in_usd_per_target_month,
          fixed_usd_per_month: single.fixed_usd_per_month,
          latency_median_s: round(median(seconds)),
          latency_p90_s: round(quantile(seconds, 0.9)),
          lambda_invocations: month.invocations,
          lambda_gb_seconds: month.gbSeconds,
          sqs_requests: month.sqsRequests,
          ddb_read_units: month.readUnits,
          ddb_write_units: month.writeUnits,
          api_requests: month.apiRequests,
          usd_lambda: round(month.usd.lambda, 3),
          usd_sqs: round(month.usd.sqs, 3),
          usd_dynamodb: round(month.usd.dynamodb, 3),
          memory_mb: memoryMb,
          transitions: seconds.length,
        });
      }
    }
    return { cost, allIn, logBytes, latency, idleTicks };
  } finally {
    await backend.stop();
  }
}
