import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../../local/simulator/server';
import { createTokenAuthenticator } from '../../../shared/auth/token';
import { MalformedJobsResponseError } from '../../../shared/jobs/errors';
import { createJobsClient } from '../../../shared/jobs/http-client';

// The client against the simulator over real HTTP: the two halves agree on the API document.
const TOKEN = 'sim-client-token';
const PROJECTS = ['paging', 'shift', 'retry', 'malformed', 'faults'] as const;
let simulator: Simulator;
let url: string;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 11,
    token: TOKEN,
    projectIds: PROJECTS,
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  url = await simulator.listen(0);
});
afterAll(() => simulator.close());

const sleeps: number[] = [];
const client = (projectId: string) =>
  createJobsClient({
    endpoint: url,
    projectId,
    auth: createTokenAuthenticator(TOKEN),
    timeoutMs: 2_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
const window = () => ({ start: new Date(Date.now() - 29 * 86_400_000), end: new Date(Date.now() + 1000) });
const addJobs = (projectId: string, count: number) =>
  Array.from({ length: count }, (_, index) =>
    simulator.addJob(projectId, {
      status: 'Completed',
      start_time: formatHuaweiTime(Date.now() - (index + 1) * 60_000),
      end_time: formatHuaweiTime(Date.now() - index * 60_000),
    }),
  );

describe('createJobsClient against the simulator', () => {
  it('reads every job of a 120-job window in 3 pages of 50, each once, normalised', async () => {
    const added = addJobs('paging', 120);
    const scan = await client('paging').scanJobs({ ...window(), pageSize: 50 });
    expect(scan.pages).toBe(3);
    expect(scan.jobs.map((job) => job.id).sort()).toEqual(added.map((job) => job.id).sort());
    expect(scan.jobs[0]).toMatchObject({ status: 'Completed', progress: null, fail_reason: null });
    expect(scan.jobs[0]?.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
  });

  it('neither misses nor doubles a job when a new one lands at the head between pages', async () => {
    const added = addJobs('shift', 60);
    let landed = '';
    simulator.onPage = (projectId, offset) => {
      if (projectId === 'shift' && offset === 0 && !landed) {
        landed = simulator.addJob('shift', { start_time: formatHuaweiTime(Date.now() - 1000) }).id;
      }
    };
    const scan = await client('shift').scanJobs({ ...window(), pageSize: 50 });
    simulator.onPage = undefined;
    const ids = scan.jobs.map((job) => job.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const job of added) expect(ids).toContain(job.id);
    expect(ids).toContain(landed);
  });

  it('waits as Retry-After asks on a 429 and then succeeds', async () => {
    addJobs('retry', 2);
    sleeps.length = 0;
    simulator.injectNext({
      status: 429,
      headers: { 'retry-after': '2', 'content-type': 'application/json' },
      body: JSON.stringify({ error_code: 'APIG.0308', error_msg: 'The request is throttled.' }),
    });
    const page = await client('retry').listJobs({ limit: 10 });
    expect(page.total_count).toBe(2);
    expect(sleeps).toEqual([2000]);
  });

  it.each([
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', /not JSON|HTML|JSON/i],
    ['truncated JSON', '{"total_count": 3, "jobs": [{"id": "a", "na', /JSON/i],
    ['wrong types', '{"total_count": "three", "jobs": []}', /total_count/],
  ])('fails with MalformedJobsResponseError naming the problem for %s', async (_name, body, problem) => {
    simulator.injectNext(Array.from({ length: 4 }, () => ({ status: 200, body })));
    const error = await client('malformed')
      .listJobs({})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MalformedJobsResponseError);
    expect((error as Error).message).toMatch(problem);
  });

  it('gets a complete scan through seeded faults of every kind', async () => {
    const added = addJobs('faults', 75);
    simulator.setFaults({
      throttle: 0.1,
      serverError: 0.1,
      htmlPage: 0.05,
      truncatedJson: 0.05,
      wrongTypes: 0.05,
      connectionReset: 0.05,
    });
    try {
      const api = createJobsClient({
        endpoint: url,
        projectId: 'faults',
        auth: createTokenAuthenticator(TOKEN),
        maxAttempts: 12,
        sleep: async () => {},
      });
      const scan = await api.scanJobs({ ...window(), pageSize: 10 });
      expect(scan.jobs).toHaveLength(added.length);
      expect(scan.requests).toBeGreaterThan(scan.pages);
    } finally {
      simulator.setFaults(undefined);
    }
  });
});
