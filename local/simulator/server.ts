import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizeHook } from './auth';
import { errorResponse, type FaultRates, validateFaultRates } from './faults';
import {
  createRequestHandler,
  type ExtraRoute,
  type InjectedResponse,
  type PageHook,
  type SimulatorStats,
} from './handler';
import { createRandom, hashSeed } from './random';
import type { RawInstance, RawJob } from './raw-job';
import { createProjectWorld, type ProjectWorld } from './world';

export type { ExtraRoute, InjectedResponse, PageHook, SimulatorStats } from './handler';

/** How the simulator behaves; every field has a default that suits the demo. */
export interface SimulatorOptions {
  /** Seed of everything random; default 1. */
  readonly seed?: number;
  /** Projects that exist; others answer 404. Default `['0549b4a43100d4f32f51c01c2fe4acdb']`. */
  readonly projectIds?: readonly string[];
  /** The accepted `X-Auth-Token`; null turns the token check off. Default `'local-token'`. */
  readonly token?: string | null;
  /** Extra authorisation (AK/SK); returning true authorises even without a token. */
  readonly authorize?: AuthorizeHook;
  /** Clock in epoch ms; default `Date.now`. */
  readonly now?: () => number;
  /** Lifecycle speed multiplier; default 1 (tasks run about 5-60 s). */
  readonly speed?: number;
  /** Arrival rate of new tasks per project (at speed 1); default 6. */
  readonly jobsPerMinute?: number;
  /** Finished tasks spread over the 30 days before start; default 40. */
  readonly historyJobs?: number;
  /** Tasks already running at start, finishing within seconds; default 2 (one completes, one fails). */
  readonly runningAtStart?: number;
  /** Share of tasks that fail; default 0.15. */
  readonly failureRate?: number;
  /** Fixed delay before every answer, ms; default 0. */
  readonly latencyMs?: number;
  /** Seeded fault injection; default none. */
  readonly faults?: FaultRates;
  /** Instances per project; default 4. */
  readonly instances?: number;
  /** Generated tasks older than this drop out; default 31. */
  readonly retentionDays?: number;
  /** Called after each normal page is sent. */
  readonly onPage?: PageHook;
  /**
   * Extra endpoints served by the same server (e.g. a simulated IAM token endpoint), tried in
   * order before the jobs API; a route that answered the request returns true.
   */
  readonly routes?: readonly ExtraRoute[];
}

/** A running or runnable simulation of `GET /v3/{project_id}/jobs`. */
export interface Simulator {
  /** Starts serving; resolves the base URL (`http://127.0.0.1:PORT`). Port 0 picks a free one. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops serving and drops open connections. */
  close(): Promise<void>;
  readonly url: string | undefined;
  readonly projectIds: readonly string[];
  /** The project's instances. */
  instances(projectId?: string): RawInstance[];
  /** Every retained task of the project as it stands now, newest first (no window applied). */
  jobs(projectId?: string): RawJob[];
  /** Adds a static task (it never changes on its own); returns it with its id. */
  addJob(projectId: string, job: Partial<RawJob> & { name?: string }): RawJob;
  /** Patches a task; from then on it is static. */
  updateJob(projectId: string, id: string, patch: Partial<RawJob>): RawJob;
  removeJob(projectId: string, id: string): void;
  /** Freezes the automatic lifecycle: no arrivals, no progress, until `resume`. */
  pause(): void;
  /** Unfreezes; tasks continue from where they stood, later by the paused time. */
  resume(): void;
  /** Queues one-shot answers for the next requests, in order. */
  injectNext(response: InjectedResponse | readonly InjectedResponse[]): void;
  onPage: PageHook | undefined;
  readonly stats: SimulatorStats;
  setFaults(faults: FaultRates | undefined): void;
}

/** Thrown when an option is out of range; the message names it and the accepted range. */
export class InvalidSimulatorOptionError extends Error {
  constructor(option: string, expected: string) {
    super(`Simulator option ${option} must be ${expected}.`);
    this.name = 'InvalidSimulatorOptionError';
  }
}

/** Thrown when a test names a project the simulator was not given. */
export class UnknownProjectError extends Error {
  constructor(projectId: string) {
    super(`Project ${projectId} is not simulated: add it to the projectIds option.`);
    this.name = 'UnknownProjectError';
  }
}

/** Thrown by `listen` on a simulator that is already listening. */
export class AlreadyListeningError extends Error {
  constructor(url: string) {
    super(`The simulator already listens on ${url}: close it first.`);
    this.name = 'AlreadyListeningError';
  }
}

/** The project of the API doc's example; the simulator's default. */
export const DEFAULT_PROJECT_ID = '0549b4a43100d4f32f51c01c2fe4acdb';
/** The token the simulator accepts by default. */
export const DEFAULT_TOKEN = 'local-token';

const DAY_MS = 24 * 3600 * 1000;

function check(option: string, value: number, ok: boolean, expected: string): void {
  if (!Number.isFinite(value) || !ok) throw new InvalidSimulatorOptionError(option, expected);
}

/** Creates a simulator; its world starts at the clock's current time. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const projectIds = [...(options.projectIds ?? [DEFAULT_PROJECT_ID])];
  if (projectIds.length === 0) throw new InvalidSimulatorOptionError('projectIds', 'a non-empty list');
  const speed = options.speed ?? 1;
  check('speed', speed, speed > 0, 'a positive number');
  const failureRate = options.failureRate ?? 0.15;
  check('failureRate', failureRate, failureRate >= 0 && failureRate <= 1, 'between 0 and 1');
  const jobsPerMinute = options.jobsPerMinute ?? 6;
  check('jobsPerMinute', jobsPerMinute, jobsPerMinute >= 0, '0 or more');
  const latencyMs = options.latencyMs ?? 0;
  check('latencyMs', latencyMs, latencyMs >= 0, '0 or more');
  const token = options.token === undefined ? DEFAULT_TOKEN : options.token;
  let faults = options.faults;
  if (faults) validateFaultRates(faults);
  const startMs = now();
  let lastMs = startMs;
  const clock = (): number => {
    lastMs = Math.max(lastMs, now());
    return lastMs;
  };
  let pausedAtMs: number | undefined;
  const lifecycleMs = (): number => pausedAtMs ?? clock();

  const worlds = new Map<string, ProjectWorld>(
    projectIds.map((projectId) => [
      projectId,
      createProjectWorld({
        seed,
        projectId,
        startMs,
        speed,
        jobsPerMinute,
        historyJobs: options.historyJobs ?? 40,
        runningAtStart: options.runningAtStart ?? 2,
        failureRate,
        instances: options.instances ?? 4,
        retentionMs: (options.retentionDays ?? 31) * DAY_MS,
      }),
    ]),
  );
  const worldOf = (projectId: string): ProjectWorld => {
    const world = worlds.get(projectId);
    if (!world) throw new UnknownProjectError(projectId);
    return world;
  };

  const injected: InjectedResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const stats: SimulatorStats = { requests: 0, pages: 0, faults: {}, byStatus: {} };
  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  let server: Server | undefined;
  let currentUrl: string | undefined;
  const simulator: Simulator = {
    get url() {
      return currentUrl;
    },
    projectIds,
    onPage: options.onPage,
    stats,
    instances: (projectId = projectIds[0] as string) => worldOf(projectId).instances.map((i) => ({ ...i })),
    jobs: (projectId = projectIds[0] as string) =>
      worldOf(projectId)
        .list(lifecycleMs())
        .map(({ job }) => job),
    // A paused world must not gain random arrivals because a test added a task.
    addJob: (projectId, job) => worldOf(projectId).add(job, lifecycleMs(), clock()),
    updateJob: (projectId, id, patch) => worldOf(projectId).update(id, patch, lifecycleMs()),
    removeJob: (projectId, id) => worldOf(projectId).remove(id),
    pause() {
      if (pausedAtMs === undefined) pausedAtMs = clock();
    },
    resume() {
      if (pausedAtMs === undefined) return;
      const resumedAtMs = clock();
      for (const world of worlds.values()) world.shift(pausedAtMs, resumedAtMs);
      pausedAtMs = undefined;
    },
    injectNext(response) {
      injected.push(...(Array.isArray(response) ? response : [response as InjectedResponse]));
    },
    setFaults(next) {
      if (next) validateFaultRates(next);
      faults = next;
    },
    listen: (port = 0, host = '127.0.0.1') => listen(port, host),
    close: () => close(),
  };

  const handle = createRequestHandler({
    stats,
    injected,
    routes: options.routes ?? [],
    auth: { token, authorize: options.authorize },
    latencyMs,
    faultRandom: createRandom(hashSeed(seed, 'faults')),
    requestIds: createRandom(hashSeed(seed, 'request-ids')),
    faults: () => faults,
    world: (projectId) => worlds.get(projectId),
    clockMs: clock,
    lifecycleMs,
    onPage: () => simulator.onPage,
    sleep,
  });

  const listen = (port: number, host: string): Promise<string> => {
    if (server) return Promise.reject(new AlreadyListeningError(currentUrl ?? 'a port'));
    const created = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (res.headersSent) return res.destroy();
        const { status, headers, body } = errorResponse(
          500,
          'DBS.200002',
          'Internal server error. Try again later.',
        );
        res.writeHead(status, headers).end(body);
      });
    });
    server = created;
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        server = undefined;
        reject(error);
      };
      created.once('error', fail);
      created.listen(port, host, () => {
        created.off('error', fail);
        const { port: bound } = created.address() as AddressInfo;
        currentUrl = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
        resolve(currentUrl);
      });
    });
  };
  const close = (): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const current = server;
    server = undefined;
    currentUrl = undefined;
    if (!current) return Promise.resolve();
    return new Promise((resolve) => {
      current.close(() => resolve());
      current.closeAllConnections();
    });
  };

  return simulator;
}
