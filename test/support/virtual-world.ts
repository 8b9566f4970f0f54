import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../../local/dynalite';
import { formatHuaweiTime, type RawJob } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { createTokenAuthenticator } from '../../shared/auth/token';
import type { CycleOptions } from '../../shared/config';
import { type CycleDeps, type CycleReport, pollTarget } from '../../shared/cycle/cycle';
import { createJobsClient } from '../../shared/jobs/http-client';
import type { JobsApi } from '../../shared/jobs/jobs-client';
import type { TaskStore } from '../../shared/store/task-store';
import type { Target } from '../../shared/target';
import { type CollectingPublisher, collectingPublisher } from './collecting-publisher';
import type { DynaliteFixture } from './dynalite';
import { TEST_OPTIONS } from './watcher-world';

/** A clock that moves only when told: every latency of the world is an advance of it. */
export interface VirtualClock {
  now(): number;
  advance(ms: number): void;
  /** Moves to `ms` if that is later; never back. */
  advanceTo(ms: number): void;
}

/** A virtual clock starting at `startMs`. */
export function virtualClock(startMs: number): VirtualClock {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms) {
      nowMs += Math.max(0, ms);
    },
    advanceTo(ms) {
      nowMs = Math.max(nowMs, ms);
    },
  };
}

/** Virtual milliseconds each request costs; change them between polls to slow a side down. */
export interface Latency {
  apiMs: number;
  ddbMs: number;
}

/** One poll as a consumer's invocation saw it: its report, or the error it threw. */
export interface PollResult {
  readonly startedMs: number;
  readonly report?: CycleReport;
  readonly error?: unknown;
  /** Jobs API requests (HTTP) the poll sent. */
  readonly apiRequests: number;
}

/** Where the world starts: a fixed instant, so no test depends on the wall clock. */
export const WORLD_START_MS = Date.parse('2026-03-02T00:00:00.000Z');
/** The scheduled tick. */
export const TICK_MS = 60_000;
/** The invocation's length, and the margin the handler keeps before it (see functions/poll-handler.ts). */
export const INVOCATION_MS = 60_000;
export const END_MARGIN_MS = 3_000;

const TOKEN = 'virtual-token';
let worldCounter = 0;

/**
 * A target on a paused simulator and a fresh dynalite table, where time is virtual: the jobs API and
 * DynamoDB cost `latency` of it per request, and a tick is a poll every minute with the invocation's
 * deadline. Nothing sleeps for real.
 */
export async function virtualWorld(
  dynalite: DynaliteFixture,
  options: Partial<CycleOptions> = {},
  newStore: (client: DynamoDBClient, tableName: string) => TaskStore,
) {
  const clock = virtualClock(WORLD_START_MS);
  const latency: Latency = { apiMs: 0, ddbMs: 0 };
  worldCounter += 1;
  const projectId = `virtual${String(worldCounter).padStart(4, '0')}`;
  const simulator: Simulator = createSimulator({
    seed: 3,
    token: TOKEN,
    projectIds: [projectId],
    now: clock.now,
    historyJobs: 0,
    runningAtStart: 0,
    jobsPerMinute: 0,
  });
  simulator.pause();
  const endpoint = await simulator.listen(0);
  const target: Target = { region: 'ap-southeast-1', projectId, endpoint };
  let apiRequests = 0;
  const api: JobsApi = createJobsClient({
    endpoint,
    projectId,
    auth: createTokenAuthenticator(TOKEN),
    now: clock.now,
    sleep: async (ms) => clock.advance(ms),
    fetch: async (url, init) => {
      apiRequests += 1;
      clock.advance(latency.apiMs);
      return fetch(url, init);
    },
  });
  const tableName = await dynalite.freshTable();
  const clients: DynamoDBClient[] = [];
  /** A DynamoDB client of the world: each request costs `latency.ddbMs` of virtual time. */
  const ddbClient = (): DynamoDBClient => {
    const client = localDynamoClient(dynalite.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        clock.advance(latency.ddbMs);
        return next(args);
      },
      { step: 'initialize', name: 'virtualLatency' },
    );
    clients.push(client);
    return client;
  };
  const client = ddbClient();
  const store = newStore(client, tableName);
  const publisher: CollectingPublisher = collectingPublisher();
  const cycleOptions: CycleOptions = { ...TEST_OPTIONS, ...options };
  let nextTickMs = WORLD_START_MS;

  const deps = (overrides: Partial<CycleDeps> = {}): CycleDeps => ({
    store,
    api,
    publishers: [publisher],
    options: cycleOptions,
    now: clock.now,
    deadlineMs: clock.now() + INVOCATION_MS - END_MARGIN_MS,
    ...overrides,
  });

  /** One poll now, as an invocation would run it (deadline from now); errors are results, not throws. */
  const poll = async (overrides: Partial<CycleDeps> = {}): Promise<PollResult> => {
    const startedMs = clock.now();
    const before = apiRequests;
    try {
      const report = await pollTarget(deps(overrides), target);
      return { startedMs, report, apiRequests: apiRequests - before };
    } catch (error) {
      return { startedMs, error, apiRequests: apiRequests - before };
    }
  };

  return {
    clock,
    latency,
    simulator,
    projectId,
    target,
    api,
    store,
    client,
    tableName,
    publisher,
    options: cycleOptions,
    ddbClient,
    deps,
    poll,
    /** The next scheduled tick (a minute after the last, or now if a poll overran it), then one poll. */
    async tick(overrides: Partial<CycleDeps> = {}): Promise<PollResult> {
      clock.advanceTo(nextTickMs);
      nextTickMs = clock.now() + TICK_MS;
      return poll(overrides);
    },
    /** Adds a job to the world; `startMs` is its start (epoch ms), `status` Running by default. */
    addJob(startMs: number, patch: Partial<RawJob> = {}): RawJob {
      const finished = patch.status === 'Completed' || patch.status === 'Failed';
      return simulator.addJob(projectId, {
        start_time: formatHuaweiTime(startMs),
        ...(finished ? { end_time: formatHuaweiTime(startMs + 60_000), progress: '' } : {}),
        ...patch,
      });
    },
    /** Sets a job's status as the API will list it from now (end time and progress to match). */
    setStatus(jobId: string, status: string, patch: Partial<RawJob> = {}): RawJob {
      const finished = status === 'Completed' || status === 'Failed';
      return simulator.updateJob(projectId, jobId, {
        status,
        end_time: finished ? formatHuaweiTime(clock.now()) : '',
        progress: status === 'Running' ? '50%' : '',
        fail_reason: status === 'Failed' ? 'Disk full.' : '',
        ...patch,
      });
    },
    async close(): Promise<void> {
      for (const each of clients) each.destroy();
      await simulator.close();
    },
  };
}

export type VirtualWorld = Awaited<ReturnType<typeof virtualWorld>>;
