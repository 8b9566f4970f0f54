import { type DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../local/dynalite';
import { type CycleDeps, type CycleReport, pollTarget } from '../../shared/cycle/cycle';
import { CycleError } from '../../shared/cycle/errors';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import type { JobRecord, TaskStore } from '../../shared/store/task-store';
import { useDynalite } from '../support/dynalite';
import { minutesAgo, useChaosWorld } from './support/chaos-world';
import { transitionsOf } from './support/snapshot';

// DynamoDB throttling and lost conditional writes under the cycle: each is retried or surfaces as a
// typed error naming target and step, and none loses, doubles or rewinds a transition.
const world = useChaosWorld();
const dynalite = useDynalite();

/** Which DynamoDB requests fail with ProvisionedThroughputExceeded; counts every request it sees. */
interface Throttle {
  requests: number;
  /** 1-based index of the request to throttle; 0 throttles none. */
  failAt: number;
}

/** A client of the shared dynalite that throttles the request `throttle.failAt` names. */
function throttlingClient(throttle: Throttle): DynamoDBClient {
  const client = localDynamoClient(dynalite.endpoint);
  client.middlewareStack.add(
    (next) => async (args) => {
      throttle.requests += 1;
      if (throttle.requests === throttle.failAt) {
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded.',
          $metadata: {},
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'chaosThrottle' },
  );
  return client;
}

/** A target on a throttling store: one job baselined Running, then finished. */
async function finishedJob() {
  const chaos = await world.fresh();
  const throttle: Throttle = { requests: 0, failAt: 0 };
  const client = throttlingClient(throttle);
  const store = new DynamoDbTaskStore({ tableName: await dynalite.freshTable(), client });
  const deps: CycleDeps = {
    store,
    api: chaos.api().api,
    publishers: [chaos.publisher],
    options: chaos.options,
  };
  const job = world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(3) });
  await pollTarget(deps, chaos.target);
  world.simulator.updateJob(chaos.projectId, job.id, {
    status: 'Completed',
    progress: '',
    end_time: minutesAgo(0),
  });
  throttle.requests = 0;
  return { ...chaos, deps, job, store, throttle, close: () => client.destroy() };
}

describe('pollTarget on a throttled DynamoDB', () => {
  it('fails in one typed line naming target and step, or goes on, at any throttled request; nothing is lost or doubled', async () => {
    const dryRun = await finishedJob();
    await pollTarget(dryRun.deps, dryRun.target);
    const requests = dryRun.throttle.requests;
    dryRun.close();
    expect(requests).toBeGreaterThan(2);

    const failedSteps = new Set<string>();
    for (let failAt = 1; failAt <= requests; failAt++) {
      const where = `request ${failAt} of ${requests} throttled`;
      const run = await finishedJob();
      run.throttle.failAt = failAt;
      const outcome = await pollTarget(run.deps, run.target).catch((error: unknown) => error);
      const lines =
        outcome instanceof Error ? [outcome.message] : (outcome as CycleReport).publishErrors.filter(Boolean);
      if (outcome instanceof Error) expect(outcome, where).toBeInstanceOf(CycleError);
      for (const line of lines) {
        const match = new RegExp(
          `^target ap-southeast-1/${run.projectId}: ([a-z-]+) failed: StoreThrottledError: DynamoDB table "[^"]+" throttled the request[^\\n]*$`,
        ).exec(line);
        expect(match, `${where}: ${line}`).not.toBeNull();
        failedSteps.add(match?.[1] ?? '');
      }

      for (let cycle = 0; cycle < 4; cycle++) {
        if (
          (await pollTarget({ ...run.deps, now: () => Date.now() + (cycle + 1) * 200_000 }, run.target))
            .outcome === 'idle'
        )
          break;
      }
      const ids = new Set(run.publisher.events.map((event) => event.id));
      expect([where, ...new Set(transitionsOf(run.publisher.events))]).toEqual([
        where,
        'completed Running -> Completed',
      ]);
      expect([where, ids.size]).toEqual([where, 1]);
      run.close();
    }
    expect([...failedSteps]).toEqual(expect.arrayContaining(['read-cursor', 'record']));
  }, 60_000);
});

/** The store, with another writer that records `job` through `raw` just before each of the cycle's records. */
function racedStore(raw: TaskStore, race: () => Promise<void>): TaskStore {
  return new Proxy(raw, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== 'recordJob' || typeof value !== 'function') return value;
      return async (...args: Parameters<TaskStore['recordJob']>) => {
        await race();
        return raw.recordJob(...args);
      };
    },
  });
}

describe('pollTarget losing conditional writes to another writer', () => {
  it('re-reads and announces a transition once when another cycle recorded it first', async () => {
    const chaos = await world.fresh();
    const deps: CycleDeps = {
      store: chaos.store,
      api: chaos.api().api,
      publishers: [chaos.publisher],
      options: chaos.options,
    };
    const job = world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, chaos.target);
    world.simulator.updateJob(chaos.projectId, job.id, {
      status: 'Failed',
      progress: '',
      end_time: minutesAgo(0),
    });
    let raced = false;
    const other = racedStore(chaos.store, async () => {
      if (raced) return;
      raced = true;
      // The other cycle: the same diff, recorded and published a moment earlier.
      await pollTarget(deps, chaos.target);
    });

    await pollTarget({ ...deps, store: other }, chaos.target);
    await pollTarget({ ...deps, now: () => Date.now() + 200_000 }, chaos.target);
    expect([...new Set(transitionsOf(chaos.publisher.events))]).toEqual(['failed Running -> Failed']);
    expect(new Set(chaos.publisher.events.map((event) => event.id)).size).toBe(1);
    expect((await chaos.store.getJob(chaos.target, job.id))?.pending).toEqual([]);
  });

  it('leaves a job whose write another writer keeps winning to the next poll, and loses nothing', async () => {
    const chaos = await world.fresh();
    const deps: CycleDeps = {
      store: chaos.store,
      api: chaos.api().api,
      publishers: [chaos.publisher],
      options: chaos.options,
    };
    const job = world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, chaos.target);
    world.simulator.updateJob(chaos.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
    const bump = async () => {
      const current = await chaos.store.getJob(chaos.target, job.id);
      if (!current) throw new Error('the job should be stored');
      await chaos.store.recordJob(chaos.target, {
        state: current,
        events: [],
        expectedVersion: current.version,
        writer: 'another-writer',
      });
    };
    // The claim stops other polls, not a writer that ignores it: this one bumps the version every time.
    // A refused write is not diffed again against the newer state: the next poll fetches afresh.
    const report = await pollTarget({ ...deps, store: racedStore(chaos.store, bump) }, chaos.target);
    expect(report).toMatchObject({ recordedJobs: 0, jobErrors: [] });
    expect(chaos.publisher.events).toEqual([]);

    await pollTarget(deps, chaos.target);
    expect(transitionsOf(chaos.publisher.events)).toEqual(['completed Running -> Completed']);
  });
});

describe('DynamoDbTaskStore versions', () => {
  it('refuses a stale writer: the newer state stays', async () => {
    const chaos = await world.fresh();
    const { store, target } = chaos;
    const running = {
      job: {
        id: 'job-1',
        name: 'BackupInstance',
        status: 'Running',
        start_time: '2026-01-01T00:00:00.000Z',
        end_time: null,
        progress: 10,
        instance: { id: 'i-1', name: 'nosql-1' },
        fail_reason: null,
      },
      progressStep: null,
      stalledReported: false,
      occurrences: {},
    };
    // `recordJob` says whether the write went through: the job as written, or the item that refused it.
    const wrote = async (record: Omit<JobRecord, 'writer'>, writer: string) =>
      (await store.recordJob(target, { ...record, writer })).written !== undefined;
    expect(await wrote({ state: running, events: [], expectedVersion: null }, 'poll-a')).toBe(true);
    expect(await wrote({ state: running, events: [], expectedVersion: null }, 'poll-b')).toBe(false);
    const read = await store.getJob(target, 'job-1');
    const completed = { ...running, job: { ...running.job, status: 'Completed', progress: null } };
    expect(await wrote({ state: completed, events: [], expectedVersion: read?.version ?? 0 }, 'poll-c')).toBe(
      true,
    );

    const stale = { ...running, job: { ...running.job, progress: 50 } };
    expect(await wrote({ state: stale, events: [], expectedVersion: read?.version ?? 0 }, 'poll-d')).toBe(
      false,
    );
    expect((await store.getJob(target, 'job-1'))?.job).toEqual(completed.job);
  });
});
