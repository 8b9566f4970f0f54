import type { JobsApi, JobsPage, JobsScan } from '../../../shared/jobs/jobs-client';
import type { Publisher } from '../../../shared/publish/publisher';
import type { TaskStore } from '../../../shared/store/task-store';

/** The simulated death of a process: whatever it was doing stops here, and nothing runs after. */
export class SimulatedCrashError extends Error {
  override readonly name = 'SimulatedCrashError';
}

/** Where a simulated process dies: at its Nth operation (a store call, a scan or a publish). */
export interface CrashPoint {
  /** 1-based, counted over every wrapped port of the process; or the first call of `port.method`. */
  readonly atOperation: number | `${'store' | 'api' | 'publish'}${string}`;
  /** `before`: the operation never happens; `after`: it happens but the process never learns it did. */
  readonly when: 'before' | 'after';
}

/**
 * One simulated watcher process whose ports (store, jobs API, publishers) are wrapped: it counts
 * every call and dies at its crash point. Once dead every call fails, and a call that was in
 * flight when it died fails too even if it took effect: exactly what a hard kill looks like from
 * the outside. Wrappers are Proxies, so methods a port gains later are wrapped as well.
 */
export interface SimulatedProcess {
  readonly dead: boolean;
  /** `port.method` of each operation started, in order. */
  readonly operations: readonly string[];
  /** Scans, and pages asked for by id, that returned to the cycle before the process died. */
  readonly scans: readonly ObservedScan[];
  /** Kills the process now, from the outside (e.g. half-way through a page scan). */
  kill(): void;
  store(store: TaskStore): TaskStore;
  api(api: JobsApi): JobsApi;
  publisher(publisher: Publisher): Publisher;
}

/** A scan as a process saw it, with when it returned, in the order of every process's scans. */
export interface ObservedScan extends JobsScan {
  readonly order: number;
}

/** Orders the scans of all processes, so overlapping processes' sightings can be put in time order. */
let scansReturned = 0;

/** A process that dies at `crash`, or never when it is undefined. */
export function simulatedProcess(crash?: CrashPoint): SimulatedProcess {
  let dead = false;
  const operations: string[] = [];
  const scans: ObservedScan[] = [];

  async function run<T>(name: string, operation: () => Promise<T>): Promise<T> {
    if (dead) throw new SimulatedCrashError(`process is dead: ${name} never ran`);
    operations.push(name);
    const index = operations.length;
    const here =
      crash?.atOperation === index || (crash?.atOperation === name && operations.indexOf(name) === index - 1);
    if (here && crash?.when === 'before') {
      dead = true;
      throw new SimulatedCrashError(`process killed before ${name} (operation ${index})`);
    }
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      if (dead) throw new SimulatedCrashError(`process killed during ${name}`, { cause: error });
      throw error;
    }
    if (dead) throw new SimulatedCrashError(`process killed while ${name} was in flight`);
    if (here) {
      dead = true;
      throw new SimulatedCrashError(`process killed right after ${name} (operation ${index})`);
    }
    return result;
  }

  function wrap<T extends object>(
    port: T,
    portName: string,
    after?: (method: string, result: unknown) => void,
  ): T {
    return new Proxy(port, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = String(property);
        return async (...args: unknown[]) => {
          const result = await run(`${portName}.${method}`, () =>
            Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)),
          );
          after?.(method, result);
          return result;
        };
      },
    });
  }

  return {
    get dead() {
      return dead;
    },
    operations,
    scans,
    kill() {
      dead = true;
    },
    store: (store) => wrap(store, 'store'),
    api: (api) =>
      wrap(api, 'api', (method, result) => {
        const order = ++scansReturned;
        if (method === 'scanJobs') scans.push({ ...(result as JobsScan), order });
        if (method === 'listJobs')
          scans.push({ jobs: (result as JobsPage).jobs, pages: 1, requests: 1, skipped: [], order });
      }),
    publisher: (publisher) => wrap(publisher, `publish:${publisher.name}`),
  };
}
