import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoClient } from '../../local/dynalite';
import { mapLimit } from '../../shared/concurrency';
import { DEFAULT_FULL_RESYNC_SECONDS } from '../../shared/config';
import type { CycleReport } from '../../shared/cycle/cycle';
import { pollAll } from '../../shared/cycle/poll-all';
import { diffJobs } from '../../shared/diff';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { type Backend, startBackend } from './backend-client';
import { naiveCycle } from './naive';
import { BENCH_TABLES, benchProjectIds } from './names';
import { measured, median, type RunCost, round } from './stats';
import { apiFactory, BENCH_OPTIONS, benchTargets, memoryPublisher } from './wiring';

/** One row of the benchmark: a scenario on a fleet, by one strategy. */
export interface ResultRow {
  readonly scenario: Scenario;
  readonly jobs: number;
  readonly targets: number;
  readonly strategy: 'watcher' | 'naive';
  /** Totals of one round over every target (medians over the repetitions). */
  readonly api_requests: number;
  readonly ddb_read_units: number;
  readonly ddb_write_units: number;
  readonly transitions: number;
  readonly cycle_ms_median: number;
  readonly cpu_ms: number;
  readonly rss_mb: number;
  readonly pages: number;
  readonly ddb_read_requests: number;
  readonly ddb_write_requests: number;
  readonly repetitions: number;
  /** Jobs API answer delay of the simulator. */
  readonly api_latency_ms: number;
}

/** What the benchmark runs on each fleet. */
export const Scenario = {
  /** The first cycle: the silent baseline (once). */
  Baseline: 'baseline',
  /** Nothing changed since the last cycle. */
  Idle: 'idle',
  /** `TRANSITIONS_PER_TARGET` running jobs of each target completed. */
  Transitions: 'transitions',
  /** The watcher's periodic full 30-day resync (the naive watcher does one every cycle). */
  FullResync: 'full_resync',
} as const;
export type Scenario = (typeof Scenario)[keyof typeof Scenario];

/** Jobs of each target that complete in one `transitions` round. */
export const TRANSITIONS_PER_TARGET = 3;
/**
 * Rounds of the `transitions` scenario: each needs its own running jobs, and a target with 3 x 3 + 2
 * jobs running at once is already a busy one.
 */
const TRANSITION_ROUNDS = 3;

/** How a cell is run. */
export interface CellSpec {
  readonly jobs: number;
  readonly targets: number;
  readonly latencyMs: number;
  readonly strategies: readonly ('watcher' | 'naive')[];
  /** Rounds per scenario and strategy (the baseline runs once). */
  readonly watcherRepetitions: number;
  readonly naiveRepetitions: number;
  /** Cycles in flight at once, as `targetConcurrency` (default 4). */
  readonly concurrency: number;
}

/** Round totals of one strategy. */
interface RoundTotals {
  readonly apiRequests: number;
  readonly pages: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly readRequests: number;
  readonly writeRequests: number;
  readonly transitions: number;
}

/** What a cell measured besides its rows. */
export interface CellResult {
  readonly rows: ResultRow[];
  /** CPU ms of the diff alone on the full window against every stored state (median of 5). */
  readonly diffCpuMs: number;
  /** Pages of one target's full resync. */
  readonly fullResyncPagesPerTarget: number;
}

/**
 * Runs one fleet (jobs x targets) on a fresh backend: the watcher and the naive baseline side by
 * side, round by round, so both see the same jobs change. Round figures are totals over all
 * targets; times and CPU are the benchmark process's (the backend runs in its own process).
 */
export async function runCell(spec: CellSpec, log: (line: string) => void): Promise<CellResult> {
  const projectIds = benchProjectIds(spec.targets);
  const rounds = Math.max(spec.watcherRepetitions, spec.naiveRepetitions);
  const transitionRounds = Math.min(rounds, TRANSITION_ROUNDS);
  const running = TRANSITIONS_PER_TARGET * transitionRounds + 2;
  const backend = await startBackend({
    projectIds,
    jobsPerProject: spec.jobs - running,
    runningPerProject: running,
    latencyMs: spec.latencyMs,
  });
  const client = localDynamoClient(backend.dynamoEndpoint);
  try {
    const targets = benchTargets(projectIds, backend.simulatorUrl);
    let skewMs = 0;
    const watcherDeps = {
      store: new DynamoDbTaskStore({ tableName: BENCH_TABLES.watcher, client }),
      publishers: [memoryPublisher()],
      options: BENCH_OPTIONS,
      apiFor: apiFactory(),
      now: () => Date.now() + skewMs,
    };
    const naiveDeps = {
      doc: DynamoDBDocumentClient.from(client),
      tableName: BENCH_TABLES.naive,
      publishers: [memoryPublisher()],
      options: BENCH_OPTIONS,
    };
    const apiFor = apiFactory();
    const watcherRound = async (): Promise<RoundTotals> => {
      const result = await pollAll(watcherDeps, targets, { concurrency: spec.concurrency });
      if (result.failures.length > 0) throw result.failures[0]?.error;
      return totals(result.reports);
    };
    const naiveRound = async (baseline: boolean): Promise<RoundTotals> => {
      const reports = await mapLimit(targets, spec.concurrency, (target) =>
        naiveCycle({ ...naiveDeps, api: apiFor(target) }, target, baseline),
      );
      return {
        apiRequests: sum(reports.map((report) => report.apiRequests)),
        pages: sum(reports.map((report) => report.pages)),
        readUnits: sum(reports.map((report) => report.readUnits)),
        writeUnits: sum(reports.map((report) => report.writeUnits)),
        readRequests: sum(reports.map((report) => report.jobs)),
        writeRequests: sum(reports.map((report) => report.jobs)),
        transitions: sum(reports.map((report) => report.transitions)),
      };
    };

    const samples = new Map<string, { totals: RoundTotals; cost: RunCost }[]>();
    const record = async (
      scenario: Scenario,
      strategy: 'watcher' | 'naive',
      round: () => Promise<RoundTotals>,
    ) => {
      if (!spec.strategies.includes(strategy)) return;
      const { value, cost } = await measured(round);
      const key = `${scenario}/${strategy}`;
      samples.set(key, [...(samples.get(key) ?? []), { totals: value, cost }]);
      log(
        `  ${spec.jobs}x${spec.targets} ${scenario} ${strategy}: ${round2(cost.wallMs)} ms, ` +
          `${value.apiRequests} requests, ${round2(value.readUnits)} RCU, ${round2(value.writeUnits)} WCU`,
      );
    };

    await record(Scenario.Baseline, 'watcher', watcherRound);
    await record(Scenario.Baseline, 'naive', () => naiveRound(true));
    await watcherRound();
    for (let rep = 0; rep < rounds; rep++) {
      if (rep < spec.watcherRepetitions) await record(Scenario.Idle, 'watcher', watcherRound);
      if (rep < spec.naiveRepetitions) await record(Scenario.Idle, 'naive', () => naiveRound(false));
    }
    for (let rep = 0; rep < transitionRounds; rep++) {
      await finishSome(backend, projectIds, Date.now() + skewMs);
      if (rep < spec.watcherRepetitions) await record(Scenario.Transitions, 'watcher', watcherRound);
      else await watcherRound();
      if (rep < spec.naiveRepetitions) await record(Scenario.Transitions, 'naive', () => naiveRound(false));
    }
    // The naive watcher catches up, unmeasured, on what changed in rounds it sat out.
    if (spec.naiveRepetitions < transitionRounds && spec.strategies.includes('naive'))
      await naiveRound(false);
    let fullPages = 0;
    for (let rep = 0; rep < rounds; rep++) {
      skewMs += DEFAULT_FULL_RESYNC_SECONDS * 1000 + 1000;
      if (rep < spec.watcherRepetitions) {
        await record(Scenario.FullResync, 'watcher', watcherRound);
        fullPages = (samples.get(`${Scenario.FullResync}/watcher`)?.at(-1)?.totals.pages ?? 0) / spec.targets;
      }
      if (rep < spec.naiveRepetitions) await record(Scenario.FullResync, 'naive', () => naiveRound(false));
    }

    const diffCpuMs = await measureDiff(watcherDeps.store, apiFor, targets[0], () => Date.now() + skewMs);
    const rows: ResultRow[] = [];
    for (const [key, runs] of samples) {
      const [scenario, strategy] = key.split('/') as [Scenario, 'watcher' | 'naive'];
      const of = (pick: (totals: RoundTotals) => number) =>
        round(median(runs.map((run) => pick(run.totals))), 2);
      rows.push({
        scenario,
        jobs: spec.jobs,
        targets: spec.targets,
        strategy,
        api_requests: of((t) => t.apiRequests),
        ddb_read_units: of((t) => t.readUnits),
        ddb_write_units: of((t) => t.writeUnits),
        transitions: of((t) => t.transitions),
        cycle_ms_median: round(median(runs.map((run) => run.cost.wallMs))),
        cpu_ms: round(median(runs.map((run) => run.cost.cpuMs))),
        rss_mb: round(Math.max(...runs.map((run) => run.cost.rssMb))),
        pages: of((t) => t.pages),
        ddb_read_requests: of((t) => t.readRequests),
        ddb_write_requests: of((t) => t.writeRequests),
        repetitions: runs.length,
        api_latency_ms: spec.latencyMs,
      });
    }
    return { rows, diffCpuMs, fullResyncPagesPerTarget: fullPages };
  } finally {
    client.destroy();
    await backend.stop();
  }
}

async function finishSome(backend: Backend, projectIds: readonly string[], atMs: number): Promise<void> {
  for (const projectId of projectIds) await backend.finish(projectId, TRANSITIONS_PER_TARGET, atMs);
}

/** CPU of `diffJobs` alone over one target's whole window against all its stored states. */
async function measureDiff(
  store: DynamoDbTaskStore,
  apiFor: ReturnType<typeof apiFactory>,
  target: ReturnType<typeof benchTargets>[number] | undefined,
  now: () => number,
): Promise<number> {
  if (!target) return 0;
  const nowMs = now();
  const scan = await apiFor(target).scanJobs({
    start: new Date(nowMs - (30 * 86_400 - 60) * 1000),
    end: new Date(nowMs),
    pageSize: 50,
  });
  const stored = await store.loadJobs(target);
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = process.cpuUsage();
    diffJobs({ previous: stored, fetched: scan.jobs, options: BENCH_OPTIONS, nowMs, baselineAt: 0 });
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  return round(median(cpu), 2);
}

function totals(reports: readonly CycleReport[]): RoundTotals {
  return {
    apiRequests: sum(reports.map((report) => report.apiRequests)),
    pages: sum(reports.map((report) => report.pages)),
    readUnits: sum(reports.map((report) => report.ddbReadUnits)),
    writeUnits: sum(reports.map((report) => report.ddbWriteUnits)),
    readRequests: sum(reports.map((report) => report.ddbReadRequests)),
    writeRequests: sum(reports.map((report) => report.ddbWriteRequests)),
    transitions: sum(
      reports.map((report) => Object.values(report.transitions).reduce((a, b) => a + (b ?? 0), 0)),
    ),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round2(value: number): number {
  return round(value, 1);
}
