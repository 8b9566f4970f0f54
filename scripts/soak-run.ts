import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDynamoClient, startDynalite } from '../local/dynalite';
import type { FaultRates } from '../local/simulator/faults';
import { createRandom, hashSeed } from '../local/simulator/random';
import { createSimulator, DEFAULT_PROJECT_ID } from '../local/simulator/server';
import { LOCAL_TABLE_NAME } from '../local/wiring';
import type { JobEvent } from '../shared/job-event';
import { DynamoDbTaskStore } from '../shared/store/dynamodb-store';
import type { Target } from '../shared/target';
import { type AuditReport, auditEvents } from './oracle/audit';
import { createWorldHistory, normaliseRawJob } from './oracle/world-history';
import { type CliRun, cliCommand, SoakRunner, startCli } from './soak-process';

/** The API faults of a soak unless told otherwise: about one request in four goes wrong, one in twelve is slow. */
export const DEFAULT_SOAK_FAULTS: FaultRates = {
  throttle: 0.05,
  serverError: 0.05,
  htmlPage: 0.04,
  truncatedJson: 0.04,
  wrongTypes: 0.04,
  connectionReset: 0.04,
  slow: 0.08,
  slowMs: 400,
  retryAfterSeconds: 1,
};

/** What to soak and how hard. */
export interface SoakOptions {
  /** CLI cycles to run (killed ones included); default 500. */
  readonly cycles?: number;
  /** Seed of the simulated world, its faults and the kills; default 1. */
  readonly seed?: number;
  /** Share of cycles SIGKILLed at a random moment; default 0.15. */
  readonly killRate?: number;
  /** Cycles (1-based) to kill, early in the cycle, instead of drawing with `killRate`: for a test that needs kills. */
  readonly killCycles?: readonly number[];
  readonly faults?: FaultRates;
  /** Simulated lifecycle speed; default 4 (tasks run about 1-15 s). */
  readonly speed?: number;
  /** New tasks per minute at speed 1; default 5 (20 a minute at speed 4). */
  readonly jobsPerMinute?: number;
  readonly runner?: SoakRunner;
  /** Where the store and the JSONL go; a temporary directory (removed afterwards) by default. */
  readonly dir?: string;
  /** Progress lines; silent by default. */
  readonly log?: (line: string) => void;
}

/** What a soak did and found. */
export interface SoakResult {
  readonly cycles: number;
  /** Processes the soak SIGKILLed while they ran. */
  readonly kills: number;
  /** Of those, killed before their first API request (start-up), and after it (in the cycle proper). */
  readonly killsInStartup: number;
  readonly killsInCycle: number;
  /** By exit code (`0`, `1`, `2`) or `killed`. */
  readonly exitCodes: Readonly<Record<string, number>>;
  /** By cycle outcome printed on stderr (`done`, `idle`, `skipped`). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Error lines the CLI printed, by step and error (`fetch JobsThrottledError`, `publish PublishError`). */
  readonly errors: Readonly<Record<string, number>>;
  /** Clean cycles run after the last one until the target was idle. */
  readonly settleCycles: number;
  readonly apiRequests: number;
  /** By fault kind, as the simulator served them. */
  readonly faults: Readonly<Record<string, number>>;
  readonly events: number;
  readonly distinctIds: number;
  /** JSONL lines that are not an event (a kill in mid-write). */
  readonly tornLines: number;
  /** Terminal statuses the world reached after the baseline. */
  readonly terminalTransitions: number;
  readonly lost: number;
  readonly contradicting: number;
  readonly duplicateIds: number;
  /** Events still pending in the store, and jobs stored with another status than the world's, at the end. */
  readonly pendingLeft: number;
  readonly staleStates: number;
  /** The first findings, in words. */
  readonly findings: readonly string[];
  readonly durationMs: number;
}

const TOKEN = 'soak-token';
const REGION = 'ap-southeast-1';
const LEASE_SECONDS = 10;
const SAMPLE_EVERY_MS = 25;
const MAX_SETTLE_CYCLES = 40;
const MAX_FINDINGS = 20;

/**
 * Runs the CLI (`poll --once`) against one simulator again and again, with API faults and hard
 * kills at random moments, then settles the target with clean cycles and holds every published
 * event against what really happened in the simulated world (see `scripts/oracle/audit.ts`).
 */
export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const startedMs = Date.now();
  const cycles = options.cycles ?? 500;
  const seed = options.seed ?? 1;
  const killRate = options.killRate ?? 0.15;
  const log = options.log ?? (() => {});
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'geminidb-soak-')));
  const storeDir = join(dir, 'store');
  const eventsPath = join(dir, 'events.jsonl');
  const dice = createRandom(hashSeed(seed, 'soak-kills'));
  const cli = await cliCommand(options.runner ?? SoakRunner.Bundle);
  const { command } = cli;

  let firstRequestMs: number | undefined;
  let onFirstRequest: (() => void) | undefined;
  const simulator = createSimulator({
    seed,
    // Sees every request first and lets it through: when the running cycle started talking to the API.
    routes: [
      () => {
        if (firstRequestMs === undefined) {
          firstRequestMs = Date.now();
          onFirstRequest?.();
        }
        return false;
      },
    ],
    token: TOKEN,
    speed: options.speed ?? 4,
    jobsPerMinute: options.jobsPerMinute ?? 5,
    faults: options.faults ?? DEFAULT_SOAK_FAULTS,
  });
  const url = await simulator.listen(0);
  const projectId = DEFAULT_PROJECT_ID;
  const history = createWorldHistory();
  const sample = () => history.observe(simulator.jobs(projectId), Date.now());
  sample();
  simulator.onPage = () => sample();
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);

  const args = [
    'poll',
    '--once',
    '--endpoint',
    url,
    '--region',
    REGION,
    '--project-id',
    projectId,
    '--store',
    `dynalite:${storeDir}`,
    '--sink',
    `jsonl:${eventsPath}`,
    '--page-size',
    '10',
    '--lease-seconds',
    String(LEASE_SECONDS),
  ];
  const env = { HUAWEICLOUD_AUTH_TOKEN: TOKEN, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const exitCodes: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  /** Of unkilled cycles: from the first API request to exit, and from spawn to the first request. */
  const durations: number[] = [];
  const startups: number[] = [];
  let kills = 0;
  let killsInStartup = 0;
  let baselineAt = Number.POSITIVE_INFINITY;
  const count = (tally: Record<string, number>, key: string) => {
    tally[key] = (tally[key] ?? 0) + 1;
  };
  /** When to kill a cycle, if at all: some in start-up, most in the cycle proper (after its first request). */
  type Kill = { readonly phase: 'startup' | 'cycle'; readonly afterMs: number };
  /** Runs one CLI cycle and books what it did; resolves its outcome line's outcome. */
  const cycle = async (kill?: Kill): Promise<{ run: CliRun; outcome: string | undefined }> => {
    firstRequestMs = undefined;
    const spawnedMs = Date.now();
    const child = startCli(command, args, env);
    const timers: NodeJS.Timeout[] = [];
    onFirstRequest = undefined;
    if (kill?.phase === 'startup') timers.push(setTimeout(() => child.kill(), kill.afterMs));
    if (kill?.phase === 'cycle')
      onFirstRequest = () => timers.push(setTimeout(() => child.kill(), kill.afterMs));
    const run = await child.done;
    for (const timer of timers) clearTimeout(timer);
    onFirstRequest = undefined;
    const outcome = /^cycle \S+: (done|idle|skipped),/m.exec(run.stderr)?.[1];
    if (run.killed) kills += 1;
    if (run.killed && firstRequestMs === undefined) killsInStartup += 1;
    if (!run.killed && firstRequestMs !== undefined) {
      startups.push(firstRequestMs - spawnedMs);
      durations.push(Date.now() - firstRequestMs);
    }
    count(exitCodes, run.killed ? 'killed' : String(run.code ?? run.signal));
    if (outcome) count(outcomes, outcome);
    for (const [, step, error] of run.stderr.matchAll(
      /^error: target \S+: ([a-z-]+) failed: (?:[^:]*: )??(\w+Error)/gm,
    )) {
      count(errors, `${step} ${error}`);
    }
    if (run.code === 2) throw new Error(`the CLI refused its arguments: ${run.stderr.trim()}`);
    if (run.code === 0 && outcome !== undefined && outcome !== 'skipped') {
      // A cycle that finished without being skipped ran after the baseline was recorded.
      if (baselineAt === Number.POSITIVE_INFINITY) baselineAt = Date.now();
    }
    return { run, outcome };
  };
  /** A kill anywhere from start-up to exit; `early`: within the first third of the cycle, so it lands. */
  const drawKill = (early: boolean): Kill => {
    const startupMs = median(startups.slice(-20)) ?? 800;
    const cycleMs = median(durations.slice(-20)) ?? 400;
    if (early) return { phase: 'cycle', afterMs: Math.round(cycleMs * dice.between(0, 0.33)) };
    return dice.next() < 0.2
      ? { phase: 'startup', afterMs: Math.round(startupMs * dice.between(0.1, 1)) }
      : { phase: 'cycle', afterMs: Math.round(cycleMs * dice.between(0, 1)) };
  };

  let settleCycles = 0;
  try {
    const killSet = new Set(options.killCycles ?? []);
    for (let index = 1; index <= cycles; index++) {
      const kill = options.killCycles ? killSet.has(index) : dice.next() < killRate;
      await cycle(kill ? drawKill(options.killCycles !== undefined) : undefined);
      if (index % 25 === 0 || index === cycles) {
        log(
          `cycle ${index}/${cycles}: ${kills} kills, exit codes ${JSON.stringify(exitCodes)}, outcomes ${JSON.stringify(outcomes)}`,
        );
      }
    }

    // Settle: the world stops, the faults stop, and clean cycles run until the target is idle.
    simulator.pause();
    simulator.setFaults(undefined);
    sample();
    for (let attempt = 0; attempt < MAX_SETTLE_CYCLES; attempt++) {
      settleCycles += 1;
      const { run, outcome } = await cycle();
      if (run.code === 0 && outcome === 'idle') break;
      // A killed cycle's lease or claims keep others off until they expire.
      if (outcome === 'skipped' || run.code !== 0) await delay(1000);
    }
  } finally {
    clearInterval(sampler);
    await simulator.close();
    await cli.dispose();
  }

  const { events, torn } = await readEvents(eventsPath);
  const target: Target = { region: REGION, projectId };
  const state = await storedState(storeDir, target);
  const finalJobs = new Map(simulator.jobs(projectId).map((raw) => [raw.id, normaliseRawJob(raw)]));
  const staleStates = [...state.statuses].filter(([id, status]) => {
    const now = finalJobs.get(id)?.status;
    return now !== undefined && now !== status;
  });
  const audit: AuditReport = auditEvents({ history, events, baselineAt, completeHistory: false });
  const findings = [
    ...audit.lost.map((finding) => `lost: ${finding.detail}`),
    ...audit.contradicting.map((finding) => `contradicting: ${finding.detail}`),
    ...audit.duplicateIds.map((finding) => `duplicate id: ${finding.detail}`),
    ...staleStates.map(
      ([id, status]) => `stale state: job ${id} stored ${status}, is ${finalJobs.get(id)?.status}`,
    ),
    ...(state.pending > 0 ? [`${state.pending} events still pending in the store at the end`] : []),
  ];
  if (!options.dir) await rm(dir, { recursive: true, force: true });

  return {
    cycles,
    kills,
    killsInStartup,
    killsInCycle: kills - killsInStartup,
    exitCodes,
    outcomes,
    errors,
    settleCycles,
    apiRequests: simulator.stats.requests,
    faults: { ...simulator.stats.faults },
    events: events.length,
    distinctIds: audit.distinctIds,
    tornLines: torn,
    terminalTransitions: terminalAfter(history, baselineAt),
    lost: audit.lost.length,
    contradicting: audit.contradicting.length,
    duplicateIds: audit.duplicateIds.length,
    pendingLeft: state.pending,
    staleStates: staleStates.length,
    findings: findings.slice(0, MAX_FINDINGS),
    durationMs: Date.now() - startedMs,
  };
}

/** The printed report: one line per figure, the soak's verdict last. */
export function formatSoakResult(result: SoakResult): string {
  const faults = Object.entries(result.faults)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const lines = [
    `cycles:        ${result.cycles} (+${result.settleCycles} settling), ${Math.round(result.durationMs / 1000)} s`,
    `kills:         ${result.kills} (SIGKILL: ${result.killsInStartup} in start-up, ${result.killsInCycle} after the first API request)`,
    `exit codes:    ${JSON.stringify(result.exitCodes)}`,
    `outcomes:      ${JSON.stringify(result.outcomes)}`,
    `errors:        ${JSON.stringify(result.errors)}`,
    `api requests:  ${result.apiRequests}`,
    `faults:        ${faults || 'none'}`,
    `events:        ${result.events} (${result.distinctIds} distinct ids, ${result.tornLines} torn lines)`,
    `terminal:      ${result.terminalTransitions} jobs completed or failed after the baseline`,
    `lost:          ${result.lost}`,
    `contradicting: ${result.contradicting}`,
    `duplicate-id:  ${result.duplicateIds}`,
    `end state:     ${result.pendingLeft} pending, ${result.staleStates} stale`,
    ...result.findings.map((finding) => `  ${finding}`),
  ];
  return lines.join('\n');
}

/** True when the soak found nothing wrong. */
export function soakPassed(result: SoakResult): boolean {
  return (
    result.lost === 0 &&
    result.contradicting === 0 &&
    result.duplicateIds === 0 &&
    result.pendingLeft === 0 &&
    result.staleStates === 0
  );
}

/** The events of a JSONL sink; a line cut by a kill is counted, not parsed. */
async function readEvents(path: string): Promise<{ events: JobEvent[]; torn: number }> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const events: JobEvent[] = [];
  let torn = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as JobEvent);
    } catch {
      torn += 1;
    }
  }
  return { events, torn };
}

/** What the store holds at the end: pending events, and each job's status. */
async function storedState(
  storeDir: string,
  target: Target,
): Promise<{ pending: number; statuses: Map<string, string> }> {
  const running = await startDynalite({ path: storeDir });
  const client = localDynamoClient(running.endpoint);
  try {
    const store = new DynamoDbTaskStore({ tableName: LOCAL_TABLE_NAME, client });
    const jobs = await store.loadJobs(target);
    return {
      pending: [...jobs.values()].reduce((sum, job) => sum + job.pending.length, 0),
      statuses: new Map([...jobs].map(([id, job]) => [id, job.job.status])),
    };
  } finally {
    client.destroy();
    await running.close();
  }
}

/** Jobs that became Completed or Failed after the baseline. */
function terminalAfter(history: ReturnType<typeof createWorldHistory>, baselineAt: number): number {
  let count = 0;
  for (const id of history.jobIds()) {
    const states = history.states(id);
    const first = states.find((state) => state.job.status === 'Completed' || state.job.status === 'Failed');
    if (first && first.at > baselineAt) count += 1;
  }
  return count;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
