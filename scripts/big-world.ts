/**
 * Big world through the deployed bundle (issue 17): the stack is synthesized as `npm run synth`
 * does, and the poll function's asset (the esbuild bundle CDK deploys) runs under bare `node` in a
 * Lambda runtime stand-in with a virtual clock (scripts/big-world/virtual-runtime.mjs), against the
 * jobs API simulator (HTTP on loopback, AK/SK-signed), dynalite behind a request meter, and the
 * SNS / Secrets Manager stand-ins. Nothing leaves 127.0.0.1.
 *
 * Time is virtual: each jobs API request moves the bundle's clock by the API latency and each
 * DynamoDB request by --ddb-latency-ms, so a 60 s invocation (its deadline included) is 60 s of
 * virtual time however fast the machine is; ticks are a virtual minute apart. What does not follow
 * the virtual clock: real timers in the bundle (the AWS SDK's 3 s request and 1 s connection
 * timeouts, the jobs client's 10 s per-attempt timeout), which run in real time stretched by
 * --timer-stretch (default 20) so that an in-process dynalite on a loaded machine, far slower than
 * DynamoDB, does not trip them; the real time the machine spends (a 1 MB dynalite Query can take
 * seconds); and an invocation that runs past its 60 s is not killed (it is counted as overrun).
 *
 * Usage:
 *   npm run big-world -- [--jobs 10000] [--open 2000] [--old 100] [--latency-ms 250]
 *     [--slow-latency-ms 1500] [--ddb-latency-ms 5] [--baseline-ticks 12] [--change-ticks 10]
 *     [--max-minutes 30] [--timer-stretch 20]
 *
 * World: --jobs jobs in the 30-day window, --open of them Running, --old of those started more
 * than six days ago. Phase 1 (--latency-ms a request): ticks until the baseline is done (the cursor
 * says so), then three changes, each announced or not within
 * --change-ticks ticks: a running job completes, a new job starts and completes, an old job fails;
 * then one idle tick, measured. Phase 2: the same at --slow-latency-ms. Prints one line per tick and
 * a summary (JSON), and stops by itself: every phase is bounded in ticks, the run in --max-minutes
 * of real time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoClient, startDynalite } from '../local/dynalite';
import { akskAuthorizer } from '../local/simulator/aksk-check';
import { formatHuaweiTime, type RawJob } from '../local/simulator/raw-job';
import { createSimulator } from '../local/simulator/server';
import { LAMBDA_ENV } from '../shared/contract';
import { partitionKey } from '../shared/store/table';
import { deployedFunction, resolveTokens, resourcesOfType, synthesize } from '../test/artifact/assembly';
import { lambdaEnvironment, provideRuntimeSdk } from '../test/artifact/invoke';
import { createLocalResources } from '../test/artifact/local-resources';
import { DUMMY_AWS_ENV, deliveredMessage, startAwsStandIns } from '../test/support/aws/index';
import { itemBytes } from '../test/support/item-size';
import { startDynamoDbMeter } from './big-world/dynamodb-meter';
import { startVirtualContainer, type VirtualInvocation } from './big-world/virtual-container';

// The SDK's notice about future Node versions says nothing about this run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    open: { type: 'string', default: '2000' },
    old: { type: 'string', default: '100' },
    'latency-ms': { type: 'string', default: '250' },
    'slow-latency-ms': { type: 'string', default: '1500' },
    'ddb-latency-ms': { type: 'string', default: '5' },
    'baseline-ticks': { type: 'string', default: '12' },
    'change-ticks': { type: 'string', default: '10' },
    'max-minutes': { type: 'string', default: '30' },
    'timer-stretch': { type: 'string', default: '20' },
  },
});

/** A whole number option, or a clear error naming it. */
function count(name: keyof typeof args): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number of 0 or more (got ${String(args[name])})`);
    process.exit(2);
  }
  return value;
}

const JOBS = count('jobs');
const OPEN = count('open');
const OLD = count('old');
const FAST_MS = count('latency-ms');
const SLOW_MS = count('slow-latency-ms');
const DDB_MS = count('ddb-latency-ms');
const BASELINE_TICKS = count('baseline-ticks');
const CHANGE_TICKS = count('change-ticks');
const REAL_LIMIT_MS = count('max-minutes') * 60_000;
const TIMER_STRETCH = Math.max(1, count('timer-stretch'));
if (OPEN > JOBS || OLD > OPEN) {
  console.error('--old must be at most --open, and --open at most --jobs');
  process.exit(2);
}

const REGION = DUMMY_AWS_ENV.AWS_REGION;
const PROJECT = 'bigworldproject01';
const ACCESS_KEY = 'BIGWORLDAK0000000001';
const SECRET_KEY = 'big-world-secret-key';
const TICK_MS = 60_000;
const DAY_MS = 86_400_000;
const START_MS = Date.parse('2026-03-02T00:00:00.000Z');
const realStartedMs = performance.now();

// ---- Store details the rewrite may change: the cursor item's key, and how it says the baseline is done. ----
const cursorKey = {
  pk: { S: partitionKey({ region: REGION, projectId: PROJECT }) },
  sk: { S: 'CURSOR' },
};
function baselineDone(item: Record<string, AttributeValue>): boolean {
  return item.baseline_done?.BOOL === true || item.baselineAt !== undefined || item.baseline_at !== undefined;
}

let clockMs = START_MS;
const simulator = createSimulator({
  seed: 17,
  projectIds: [PROJECT],
  token: null,
  authorize: akskAuthorizer({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, now: () => new Date(clockMs) }),
  now: () => clockMs,
  historyJobs: 0,
  runningAtStart: 0,
  jobsPerMinute: 0,
});
simulator.pause();

/** The world: finished jobs over 30 days, open ones over the last six days, the old ones before. */
function buildWorld(): { recent: RawJob[]; old: RawJob[] } {
  const add = (startMs: number, status: string): RawJob =>
    simulator.addJob(PROJECT, {
      status,
      start_time: formatHuaweiTime(startMs),
      ...(status === 'Running'
        ? { progress: '30%' }
        : { end_time: formatHuaweiTime(startMs + 600_000), progress: '' }),
    });
  const finished = JOBS - OPEN;
  const starts: { startMs: number; status: string }[] = [];
  for (let i = 0; i < finished; i++) {
    starts.push({
      startMs: START_MS - 29.5 * DAY_MS + Math.floor((i * 29.4 * DAY_MS) / Math.max(1, finished)),
      status: i % 9 === 0 ? 'Failed' : 'Completed',
    });
  }
  for (let i = 0; i < OLD; i++)
    starts.push({ startMs: START_MS - 7 * DAY_MS + i * Math.floor(DAY_MS / OLD), status: 'Running' });
  for (let i = 0; i < OPEN - OLD; i++) {
    starts.push({
      startMs: START_MS - 6 * DAY_MS + 3_600_000 + Math.floor((i * 6 * DAY_MS) / (OPEN - OLD + 1)),
      status: 'Running',
    });
  }
  starts.sort((a, b) => a.startMs - b.startMs);
  const recent: RawJob[] = [];
  const old: RawJob[] = [];
  for (const { startMs, status } of starts) {
    const job = add(startMs, status);
    if (status !== 'Running') continue;
    if (startMs < START_MS - 6 * DAY_MS) old.push(job);
    else recent.push(job);
  }
  return { recent, old };
}

interface TickLine {
  tick: number;
  phase: string;
  virtual_ms: number;
  /** Real milliseconds the machine took for the tick (not a figure of the watcher: of this machine). */
  real_ms: number;
  overran: boolean;
  api_requests: number;
  ddb_read_requests: number;
  ddb_write_requests: number;
  ddb_read_units: number;
  ddb_write_units: number;
  /** DynamoDB requests the runtime charged virtual latency for (should equal reads + writes). */
  ddb_charged: number;
  published: number;
  /** The cursor says the baseline is done, after the tick. */
  baseline_done: boolean;
  outcome: string;
}

async function main(): Promise<void> {
  const dynalite = await startDynalite();
  const meter = await startDynamoDbMeter(dynalite.endpoint);
  const aws = await startAwsStandIns();
  const ddb = localDynamoClient(dynalite.endpoint);
  const apiOrigin = await simulator.listen(0);
  const workDir = mkdtempSync(join(tmpdir(), 'big-world-'));
  const closers: (() => Promise<unknown>)[] = [
    () => simulator.close(),
    () => aws.close(),
    () => meter.close(),
    async () => ddb.destroy(),
    () => dynalite.close(),
    async () => rmSync(workDir, { recursive: true, force: true }),
  ];
  try {
    const world = buildWorld();
    console.log(
      `world: ${simulator.jobs(PROJECT).length} jobs in the window, ${world.recent.length + world.old.length} running, ${world.old.length} of them started more than six days ago`,
    );
    const configFile = join(workDir, 'watcher.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        targets: [{ region: REGION, projectId: PROJECT, endpoint: apiOrigin }],
        fastPollSeconds: 0,
      }),
    );
    const synthStartedMs = performance.now();
    const stack = await synthesize(configFile, join(workDir, 'cdk.out'));
    provideRuntimeSdk(stack.directory);
    const refs = await createLocalResources({ stack, region: REGION, dynamoDb: ddb, aws });
    const poll = deployedFunction(stack, 'WatcherPollFunction');
    aws.secretsManager.putSecret(
      resolveTokens(poll.environment[LAMBDA_ENV.credentialsSecretId], refs, 'poll credentials secret'),
      JSON.stringify({ HUAWEICLOUD_SDK_AK: ACCESS_KEY, HUAWEICLOUD_SDK_SK: SECRET_KEY }),
    );
    const tableName = resolveTokens(poll.environment[LAMBDA_ENV.tableName], refs, 'table');
    console.log(
      `synthesized in ${Math.round(performance.now() - synthStartedMs)} ms; poll function timeout ${poll.timeoutSeconds} s, ${poll.memoryMb} MB`,
    );
    const variables = Object.fromEntries(
      Object.entries(poll.environment).map(([name, value]) => [name, resolveTokens(value, refs, name)]),
    );
    const container = await startVirtualContainer(
      poll,
      lambdaEnvironment(poll, variables, {
        ...aws.env,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_DYNAMODB: meter.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        VIRTUAL_RUNTIME_TIMER_STRETCH: String(TIMER_STRETCH),
      }),
    );
    closers.unshift(() => container.close());
    const [, schedule] = resourcesOfType(stack, 'AWS::Scheduler::Schedule')[0] as [
      string,
      { Target: { Input: string } },
    ];
    const event = JSON.parse(schedule.Target.Input) as unknown;

    const lines: TickLine[] = [];
    let apiLatencyMs = FAST_MS;
    let phase = 'fast';
    let nextTickMs = START_MS;
    let outOfTime = false;

    const cursorItem = async (): Promise<Record<string, AttributeValue> | undefined> =>
      (await ddb.send(new GetItemCommand({ TableName: tableName, Key: cursorKey, ConsistentRead: true })))
        .Item;
    const cursorBytes = async (): Promise<number | null> => {
      const item = await cursorItem();
      return item ? itemBytes(item) : null;
    };
    const cursorSays = async (check: (item: Record<string, AttributeValue>) => boolean): Promise<boolean> => {
      const item = await cursorItem();
      return item !== undefined && check(item);
    };

    const tick = async (): Promise<TickLine | undefined> => {
      if (performance.now() - realStartedMs > REAL_LIMIT_MS) {
        outOfTime = true;
        return undefined;
      }
      clockMs = Math.max(clockMs, nextTickMs);
      const startedMs = clockMs;
      nextTickMs = startedMs + TICK_MS;
      const api = simulator.stats.requests;
      const usage = { ...meter.usage };
      const published = aws.sns.published.length;
      const realTickMs = performance.now();
      const result: VirtualInvocation = await container.invoke({
        event,
        clockMs: startedMs,
        apiOrigin,
        apiLatencyMs,
        ddbPort: meter.port,
        ddbLatencyMs: DDB_MS,
      });
      clockMs = Math.max(clockMs, result.clockMs);
      const line: TickLine = {
        tick: lines.length + 1,
        phase,
        virtual_ms: result.clockMs - startedMs,
        real_ms: Math.round(performance.now() - realTickMs),
        overran: result.clockMs - startedMs > poll.timeoutSeconds * 1000,
        api_requests: simulator.stats.requests - api,
        ddb_read_requests: meter.usage.readRequests - usage.readRequests,
        ddb_write_requests: meter.usage.writeRequests - usage.writeRequests,
        ddb_read_units: round(meter.usage.readUnits - usage.readUnits),
        ddb_write_units: round(meter.usage.writeUnits - usage.writeUnits),
        ddb_charged: result.ddbRequests,
        published: aws.sns.published.length - published,
        baseline_done: await cursorSays(baselineDone),
        outcome: outcomeOf(result),
      };
      lines.push(line);
      console.log(JSON.stringify(line));
      return line;
    };

    /** Ticks until `done()`, at most `max` ticks: the ticks it took, or null. */
    const ticksUntil = async (done: () => boolean, max: number): Promise<number | null> => {
      for (let n = 1; n <= max; n++) {
        if (!(await tick())) return null;
        if (done()) return n;
      }
      return null;
    };
    const announced = (jobId: string, type: string) => () =>
      aws.sns.published.some((message) => {
        const published = JSON.parse(deliveredMessage(message)) as { subject?: string; type?: string };
        return published.subject === jobId && published.type === `com.huaweicloud.geminidb.job.${type}`;
      });

    const phases: Record<string, unknown>[] = [];
    const changesOf = async (): Promise<Record<string, number | null>> => {
      const running = world.recent.shift();
      const old = world.old.shift();
      const result: Record<string, number | null> = {};
      if (running) {
        simulator.updateJob(PROJECT, running.id, {
          status: 'Completed',
          progress: '',
          end_time: formatHuaweiTime(clockMs),
        });
        result.running_job_completes = await ticksUntil(announced(running.id, 'completed'), CHANGE_TICKS);
      }
      const fresh = simulator.addJob(PROJECT, {
        name: 'RestartInstance',
        start_time: formatHuaweiTime(clockMs),
      });
      result.new_job_started = await ticksUntil(announced(fresh.id, 'started'), CHANGE_TICKS);
      simulator.updateJob(PROJECT, fresh.id, {
        status: 'Completed',
        progress: '',
        end_time: formatHuaweiTime(clockMs),
      });
      result.new_job_completed = await ticksUntil(announced(fresh.id, 'completed'), CHANGE_TICKS);
      if (old) {
        simulator.updateJob(PROJECT, old.id, {
          status: 'Failed',
          progress: '',
          end_time: formatHuaweiTime(clockMs),
          fail_reason: 'Disk full.',
        });
        result.old_job_fails = await ticksUntil(announced(old.id, 'failed'), CHANGE_TICKS);
      }
      return result;
    };
    const idleOf = async (): Promise<TickLine | undefined> => {
      // Two quiet ticks: the first may still finish what the last change left.
      await tick();
      return tick();
    };

    // Phase 1: the baseline at the first latency, then the changes.
    const baselineTicks = await ticksUntil(() => lines.at(-1)?.baseline_done === true, BASELINE_TICKS);
    for (const [name, latencyMs] of [
      ['fast', FAST_MS],
      ['slow', SLOW_MS],
    ] as const) {
      phase = name;
      apiLatencyMs = latencyMs;
      const changes = await changesOf();
      const idle = await idleOf();
      phases.push({
        phase: name,
        api_latency_ms: latencyMs,
        ...(name === 'fast' ? { invocations_to_finish_baseline: baselineTicks } : {}),
        ticks_until_announced: changes,
        idle_poll: idle
          ? {
              api_requests: idle.api_requests,
              ddb_read_units: idle.ddb_read_units,
              ddb_write_units: idle.ddb_write_units,
              ddb_read_requests: idle.ddb_read_requests,
              ddb_write_requests: idle.ddb_write_requests,
              outcome: idle.outcome,
            }
          : null,
        cursor_item_bytes: await cursorBytes(),
      });
    }
    const failed = lines.filter((line) => line.outcome !== 'ok');
    console.log(
      JSON.stringify(
        {
          world: {
            jobs: JOBS,
            open: OPEN,
            old: OLD,
            ddb_latency_ms: DDB_MS,
            invocation_s: poll.timeoutSeconds,
          },
          phases,
          ticks: lines.length,
          failed_ticks: failed.length,
          overran_ticks: lines.filter((line) => line.overran).length,
          first_failure: failed[0]?.outcome ?? null,
          published_total: aws.sns.published.length,
          stopped_by_time_limit: outOfTime,
          real_seconds: Math.round((performance.now() - realStartedMs) / 1000),
        },
        null,
        2,
      ),
    );
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

function outcomeOf(result: VirtualInvocation): string {
  if (!result.ok) return `threw ${result.error.name}: ${result.error.message.split('\n')[0]}`;
  const value = result.value as { failed?: { error: string }[] } | null;
  const failure = value?.failed?.[0];
  return failure ? `target failed: ${failure.error.split('\n')[0]?.slice(0, 300)}` : 'ok';
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

await main();
