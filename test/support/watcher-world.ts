import { afterAll, beforeAll } from 'vitest';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { createTokenAuthenticator } from '../../shared/auth/token';
import type { CycleOptions } from '../../shared/config';
import type { CycleDeps } from '../../shared/cycle/cycle';
import { createJobsClient } from '../../shared/jobs/http-client';
import type { JobsApi } from '../../shared/jobs/jobs-client';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import type { Target } from '../../shared/target';
import { collectingPublisher } from './collecting-publisher';
import { useDynalite } from './dynalite';

/** Test token of the simulator. */
export const TOKEN = 'test-token';

/** Defaults of a cycle in tests: silent baseline, no progress steps, no stall limits. */
export const TEST_OPTIONS: CycleOptions = {
  progressStepPercent: 0,
  stalledAfterSeconds: {},
  announceBaseline: false,
  leaseSeconds: 60,
  pageSize: 50,
  fullResyncSeconds: 3600,
  overlapSeconds: 600,
};

/**
 * A paused simulator (a static world the test changes by hand) and an in-memory dynalite, shared
 * by a test file; `fresh()` gives each test its own project, table and publisher.
 */
export function useWatcherWorld() {
  const dynalite = useDynalite();
  let simulator: Simulator | undefined;
  let projectCounter = 0;
  const projectIds = Array.from({ length: 40 }, (_, index) => `proj${String(index).padStart(4, '0')}`);
  beforeAll(async () => {
    simulator = createSimulator({ seed: 7, token: TOKEN, projectIds, historyJobs: 0, runningAtStart: 0 });
    simulator.pause();
    await simulator.listen(0);
  });
  afterAll(async () => {
    await simulator?.close();
  });
  const sim = (): Simulator => {
    if (!simulator) throw new Error('simulator not started');
    return simulator;
  };
  return {
    get simulator() {
      return sim();
    },
    /** The dynalite endpoint, for a test that builds a DynamoDB client of its own. */
    get dynaliteEndpoint() {
      return dynalite.endpoint;
    },
    /** A new project in the simulator (empty), a fresh table, and cycle deps for it. */
    async fresh(options: Partial<CycleOptions> = {}, now?: () => number) {
      const projectId = projectIds[projectCounter++];
      if (!projectId) throw new Error('out of test projects');
      for (const job of sim().jobs(projectId)) sim().removeJob(projectId, job.id);
      const target: Target = { region: 'ap-southeast-1', projectId, endpoint: sim().url ?? '' };
      const tableName = await dynalite.freshTable();
      const store = new DynamoDbTaskStore({ tableName, client: dynalite.client });
      const api: JobsApi = createJobsClient({
        endpoint: target.endpoint ?? '',
        projectId,
        auth: createTokenAuthenticator(TOKEN),
        sleep: async () => {},
      });
      const publisher = collectingPublisher();
      const deps: CycleDeps = {
        store,
        api,
        publishers: [publisher],
        options: { ...TEST_OPTIONS, ...options },
        ...(now ? { now } : {}),
      };
      return { target, store, api, publisher, deps, projectId, tableName, client: dynalite.client };
    },
  };
}
