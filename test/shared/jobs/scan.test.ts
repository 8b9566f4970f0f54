import { afterEach, describe, expect, it } from 'vitest';
import { createTokenAuthenticator } from '../../../shared/auth/token';
import { JobsScanIncompleteError } from '../../../shared/jobs/errors';
import { createJobsClient } from '../../../shared/jobs/http-client';
import type { ScanWindow } from '../../../shared/jobs/jobs-client';
import { MAX_SCAN_PAGES, maxPagesPerPass } from '../../../shared/jobs/scan';
import { sendJson, startHttpServer, type TestHttpServer } from '../../support/http-server';
import { type RawJob, rawJob, rawJobs } from './raw-jobs';

const PROJECT = 'p1';
const WINDOW: ScanWindow = { start: new Date('2023-09-01T00:00:00Z'), end: new Date('2023-09-30T00:00:00Z') };

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface FakeApi {
  /** Newest first; tests change it between pages. */
  readonly jobs: RawJob[];
  /** Runs before the n-th request (0-based) is answered. */
  beforeRequest?: (index: number, jobs: RawJob[]) => void;
  /** What the API claims as total_count; the list length by default. */
  totalCount?: (jobs: RawJob[]) => number;
}

/** The jobs API in miniature: serves `jobs` by offset/limit with total_count. */
async function scanWith(api: FakeApi, window: ScanWindow = WINDOW) {
  let index = 0;
  server = await startHttpServer((request, response) => {
    api.beforeRequest?.(index, api.jobs);
    index += 1;
    const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const offset = Number(params.get('offset') ?? '0');
    const limit = Number(params.get('limit') ?? '50');
    const total = api.totalCount ? api.totalCount(api.jobs) : api.jobs.length;
    sendJson(response, 200, { total_count: total, jobs: api.jobs.slice(offset, offset + limit) });
  });
  const client = createJobsClient({
    endpoint: server.url,
    projectId: PROJECT,
    auth: createTokenAuthenticator('t'),
    sleep: async () => {},
  });
  return client.scanJobs(window);
}

function offsets(): number[] {
  return (server?.requests ?? []).map((request) =>
    Number(new URL(request.url, 'http://localhost').searchParams.get('offset')),
  );
}

function ids(jobs: readonly { id: string }[]): string[] {
  return jobs.map((job) => job.id);
}

describe('scanJobs', () => {
  it('reads 125 jobs in 3 pages of 50, each job once', async () => {
    const jobs = rawJobs(125);
    const scan = await scanWith({ jobs });
    expect(ids(scan.jobs)).toEqual(ids(jobs));
    expect(scan).toMatchObject({ pages: 3, requests: 3 });
    expect(offsets()).toEqual([0, 50, 100]);
    expect(server?.requests[0]?.url).toBe(
      `/v3/${PROJECT}/jobs?start_time=2023-09-01T00%3A00%3A00%2B0000&end_time=2023-09-30T00%3A00%3A00%2B0000&offset=0&limit=50`,
    );
  });

  it('counts a record that does not fit as read: one pass, reported once, the others scanned', async () => {
    const jobs = rawJobs(60);
    jobs[55] = { ...(jobs[55] as RawJob), start_time: 'not a time' };
    jobs[10] = { ...(jobs[10] as RawJob), id: '' };
    const scan = await scanWith({ jobs });
    expect(scan.jobs).toHaveLength(58);
    expect(scan.skipped.map((record) => [record.jobId, record.field])).toEqual([
      [jobs[55]?.id, 'start_time'],
      [null, 'id'],
    ]);
    expect(offsets()).toEqual([0, 50]);
  });

  it('uses the page size and filters of the window', async () => {
    const jobs = rawJobs(45);
    const scan = await scanWith(
      { jobs },
      { ...WINDOW, pageSize: 20, status: 'Completed', name: 'BackupInstance' },
    );
    expect(scan.jobs).toHaveLength(45);
    expect(scan.pages).toBe(3);
    expect(server?.requests[2]?.url).toMatch(/&status=Completed&name=BackupInstance&offset=40&limit=20$/);
  });

  it('reads an empty window in one page', async () => {
    await expect(scanWith({ jobs: [] })).resolves.toEqual({ jobs: [], pages: 1, requests: 1, skipped: [] });
  });

  it('neither misses nor duplicates a job that lands at the head between page 1 and 2', async () => {
    const jobs = rawJobs(125);
    const scan = await scanWith({
      jobs,
      beforeRequest: (index, list) => {
        if (index === 1) list.unshift(rawJob(999, { status: 'Running', progress: '5%' }));
      },
    });
    const found = ids(scan.jobs);
    expect(new Set(found).size).toBe(found.length);
    expect([...found].sort()).toEqual(ids(jobs).sort());
    expect(found).toContain('job-0999');
    // The first pass ends one short of total_count, so a second pass picks the newcomer up.
    expect(offsets()).toEqual([0, 50, 100, 0, 50, 100]);
  });

  it('keeps the latest copy of a job read twice', async () => {
    const jobs = rawJobs(60);
    const scan = await scanWith({
      jobs,
      beforeRequest: (index, list) => {
        if (index !== 1) return;
        list.unshift(rawJob(999));
        list[50] = rawJob(49, { status: 'Failed', fail_reason: 'disk full' });
      },
    });
    expect(scan.jobs.find((job) => job.id === 'job-0049')).toMatchObject({
      status: 'Failed',
      fail_reason: 'disk full',
    });
    expect(scan.jobs).toHaveLength(61);
  });

  it('steps back when a job already read vanishes, so the job pulled onto page 1 is not missed', async () => {
    const jobs = rawJobs(125);
    const scan = await scanWith({
      jobs,
      beforeRequest: (index, list) => {
        if (index === 1) list.splice(3, 1);
      },
    });
    const found = ids(scan.jobs);
    expect(new Set(found).size).toBe(found.length);
    // job-0050 moved to offset 49 before page 2 was read; only the step back finds it.
    expect(found).toContain('job-0050');
    expect([...found].sort()).toEqual(ids(rawJobs(125)).sort());
    expect(offsets()).toEqual([0, 50, 49, 99]);
  });

  it('loses nothing when a job not yet read vanishes', async () => {
    const jobs = rawJobs(125);
    const scan = await scanWith({
      jobs,
      beforeRequest: (index, list) => {
        if (index === 1) list.splice(80, 1);
      },
    });
    const expected = ids(rawJobs(125)).filter((id) => id !== 'job-0080');
    expect(ids(scan.jobs).sort()).toEqual(expected.sort());
  });

  it('counts retried requests apart from pages', async () => {
    const jobs = rawJobs(60);
    let failedOnce = false;
    server = await startHttpServer((request, response) => {
      const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
      const offset = Number(params.get('offset'));
      if (offset === 50 && !failedOnce) {
        failedOnce = true;
        sendJson(response, 503, { error_code: 'DBS.108', error_msg: 'busy' });
        return;
      }
      sendJson(response, 200, { total_count: jobs.length, jobs: jobs.slice(offset, offset + 50) });
    });
    const client = createJobsClient({
      endpoint: server.url,
      projectId: PROJECT,
      auth: createTokenAuthenticator('t'),
      sleep: async () => {},
    });
    await expect(client.scanJobs(WINDOW)).resolves.toMatchObject({ pages: 2, requests: 3 });
  });

  it('throws JobsScanIncompleteError naming the counts when a second pass is still short', async () => {
    const error = await scanWith(
      { jobs: rawJobs(20), totalCount: (list) => list.length + 5 },
      { ...WINDOW, pageSize: 10 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobsScanIncompleteError);
    expect(error).toMatchObject({ found: 20, expected: 25, pages: 6 });
    expect((error as Error).message).toContain(
      'scan found 20 unique jobs but the API counts 25 after 6 pages (still short after a second pass)',
    );
  });

  it('stops a pass that cannot finish instead of looping', async () => {
    // A list shrinking on every page keeps pulling the scan back.
    const error = await scanWith({
      jobs: rawJobs(300),
      beforeRequest: (_index, list) => {
        list.pop();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobsScanIncompleteError);
    const bound = (error as JobsScanIncompleteError).pages;
    expect(bound).toBeLessThanOrEqual(maxPagesPerPass(300, 50));
    expect((error as Error).message).toContain(`(stopped a pass at ${bound} pages)`);
  });
});

describe('scanJobs against a total_count that lies', () => {
  it('stops at the page count its first page fixed when the total grows on every page', async () => {
    // Each answer counts 50 more jobs than the last (issue 19, finding 7: 10,000 requests in 20 s).
    let page = 0;
    const error = await scanWith({
      jobs: rawJobs(60),
      totalCount: () => 60 + 50 * page++,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobsScanIncompleteError);
    expect((server?.requests ?? []).length).toBeLessThanOrEqual(2 * maxPagesPerPass(60, 50));
  });

  it('never reads more than MAX_SCAN_PAGES in a pass, whatever the first page says', () => {
    expect(maxPagesPerPass(10_000_000, 10)).toBe(MAX_SCAN_PAGES);
  });
});

describe('maxPagesPerPass', () => {
  it.each([
    [0, 50, 5],
    [125, 50, 11],
    [125, 10, 31],
  ])('allows %i jobs in pages of %i at most %i pages', (total, pageSize, expected) => {
    expect(maxPagesPerPass(total, pageSize)).toBe(expected);
  });
});
