import { afterEach, describe, expect, it } from 'vitest';
import type { RawJob } from '../../../local/simulator/raw-job';
import {
  AlreadyListeningError,
  createSimulator,
  InvalidSimulatorOptionError,
  UnknownProjectError,
} from '../../../local/simulator/server';
import { UnknownJobError } from '../../../local/simulator/world';
import { EMPTY_WORLD, type Fixture, PROJECT, startFixture, T0, TOKEN } from './fixture';

const HUAWEI_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});
const start = async (options: Parameters<typeof startFixture>[0] = {}) => {
  fixture = await startFixture(options);
  return fixture;
};

interface Page {
  total_count: number;
  jobs: RawJob[];
}
const pageOf = async (response: Response): Promise<Page> => {
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
};
/** Adds `count` tasks one minute apart, the newest at T0. */
const addTasks = (f: Fixture, count: number, fields: Partial<RawJob> = {}): RawJob[] =>
  Array.from({ length: count }, (_, i) =>
    f.sim.addJob(PROJECT, {
      start_time: new Date(T0 - i * 60_000).toISOString().replace(/\.\d{3}Z$/, '+0000'),
      status: 'Completed',
      ...fields,
    }),
  );

describe('authentication', () => {
  it('answers 401 APIG.0301 without a token', async () => {
    const f = await start();
    const response = await f.get('', { headers: {} });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error_code: 'APIG.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
    });
  });

  it('answers 401 for a wrong token without echoing it', async () => {
    const f = await start();
    const response = await f.get('', { headers: { 'X-Auth-Token': 'wrong-secret-value' } });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error_code: 'APIG.0301' });
    expect(text).not.toContain('wrong-secret-value');
  });

  it('lets every request in when the token check is off', async () => {
    const f = await start({ token: null });
    expect((await f.get('', { headers: {} })).status).toBe(200);
  });

  it('lets the authorize hook admit a request without a token, and refuse one', async () => {
    const f = await start({ token: null, authorize: (req) => req.headers['x-signed'] === 'yes' });
    expect((await f.get('', { headers: { 'X-Signed': 'yes' } })).status).toBe(200);
    const refused = await f.get('', { headers: { Authorization: 'SDK-HMAC-SHA256 Access=AK, Signature=x' } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      error_msg: expect.stringContaining('verify aksk signature fail'),
    });
  });

  it('still accepts the token when an authorize hook says no', async () => {
    const f = await start({ authorize: async () => false });
    expect((await f.get()).status).toBe(200);
  });
});

describe('routing', () => {
  it('answers 404 APIG.0101 for another path or method', async () => {
    const f = await start();
    const other = await fetch(`${f.url}/v3/${PROJECT}/instances`, { headers: { 'X-Auth-Token': TOKEN } });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error_code: 'APIG.0101' });
    const post = await fetch(`${f.url}/v3/${PROJECT}/jobs`, {
      method: 'POST',
      headers: { 'X-Auth-Token': TOKEN },
    });
    expect(post.status).toBe(404);
  });

  it('answers 404 APIG.0101 for a path segment that is not valid percent-encoding', async () => {
    const f = await start();
    const response = await f.get('', { project: '%E0%A4%A' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error_code: 'APIG.0101' });
  });

  it('answers 500 in Huawei shape when the authorize hook throws', async () => {
    const f = await start({
      authorize: () => {
        throw new Error('signer broke');
      },
    });
    const response = await f.get();
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error_code: 'DBS.200002' });
  });

  it('answers 404 with a DBS error for a project it does not simulate', async () => {
    const f = await start();
    const response = await f.get('', { project: 'ffffffffffffffffffffffffffffffff' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error_code: expect.stringMatching(/^DBS\.\d{6}$/) });
  });

  it('serves every configured project from its own world', async () => {
    const f = await start({ projectIds: [PROJECT, 'b'.repeat(32)] });
    const a = await pageOf(await f.get());
    const b = await pageOf(await f.get('', { project: 'b'.repeat(32) }));
    expect(a.total_count).toBe(42);
    expect(b.jobs.map((j) => j.id)).not.toEqual(a.jobs.map((j) => j.id));
  });

  it('tries extra routes first', async () => {
    const f = await start({
      routes: [
        (req, res) => {
          if (req.url !== '/v3/auth/tokens') return false;
          res.writeHead(201, { 'x-subject-token': 'issued' }).end('{}');
          return true;
        },
      ],
    });
    const response = await fetch(`${f.url}/v3/auth/tokens`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-subject-token')).toBe('issued');
    expect((await f.get()).status).toBe(200);
  });
});

describe('parameter validation', () => {
  it.each([
    ['limit 5', 'limit=5'],
    ['limit 100', 'limit=100'],
    ['limit not a number', 'limit=ten'],
    ['limit with spaces', 'limit=%2010'],
    ['negative offset', 'offset=-1'],
    ['fractional offset', 'offset=1.5'],
    ['offset not a number', 'offset=x'],
    ['start_time without offset', 'start_time=2024-01-09T00:00:00'],
    ['start_time as a date', 'start_time=2024-01-09'],
    ['start_time with milliseconds', 'start_time=2024-01-09T00:00:00.000Z'],
    ['start_time with an impossible date', 'start_time=2024-02-30T00:00:00Z'],
    ['start_time with a literal + (decoded as a space)', 'start_time=2024-01-09T00:00:00+0000'],
    ['end_time with a space for +', 'end_time=2024-01-10T00:00:00%200000'],
    ['end_time before start_time', 'start_time=2024-01-09T00:00:00Z&end_time=2024-01-08T00:00:00Z'],
    ['end_time equal to start_time', 'start_time=2024-01-09T00:00:00Z&end_time=2024-01-09T00:00:00Z'],
    ['a span over 30 days', 'start_time=2023-12-01T00:00:00Z&end_time=2023-12-31T00:00:01Z'],
    ['start_time in the future', 'start_time=2024-01-11T00:00:00Z'],
    ['an unknown status', 'status=Pending'],
    ['a status in the wrong case', 'status=running'],
  ])('answers 400 DBS.200001 for %s', async (_case, query) => {
    const f = await start();
    const response = await f.get(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error_code: string; error_msg: string };
    expect(body.error_code).toBe('DBS.200001');
    expect(body.error_msg).toMatch(/^Parameter error/);
  });

  it.each([
    ['%2B0000', 'start_time=2024-01-09T12:00:00%2B0000'],
    ['%2B0800', 'start_time=2024-01-09T20:00:00%2B0800'],
    ['Z', 'start_time=2024-01-09T12:00:00Z'],
    ['-0500', 'start_time=2024-01-09T07:00:00-0500'],
    ['exactly 30 days', 'start_time=2023-12-11T12:00:00Z&end_time=2024-01-10T12:00:00Z'],
    ['empty values as absent', 'limit=&offset=&status=&name='],
  ])('accepts a query with %s', async (_case, query) => {
    const f = await start();
    expect((await f.get(query)).status).toBe(200);
  });

  it('reads a %2B offset as the same instant as Z', async () => {
    const f = await start({ ...EMPTY_WORLD });
    addTasks(f, 5);
    const plus = await pageOf(await f.get('start_time=2024-01-10T19:57:00%2B0800'));
    const zulu = await pageOf(await f.get('start_time=2024-01-10T11:57:00Z'));
    expect(plus.total_count).toBe(4);
    expect(plus).toEqual(zulu);
  });
});

describe('paging and ordering', () => {
  it('pages with offset and limit, newest first, total_count on every page', async () => {
    const f = await start({ ...EMPTY_WORLD });
    const added = addTasks(f, 25);
    const pages = [];
    for (const offset of [0, 10, 20]) pages.push(await pageOf(await f.get(`limit=10&offset=${offset}`)));
    expect(pages.map((p) => p.jobs.length)).toEqual([10, 10, 5]);
    expect(pages.every((p) => p.total_count === 25)).toBe(true);
    expect(pages.flatMap((p) => p.jobs.map((j) => j.id))).toEqual(added.map((j) => j.id));
  });

  it('returns an empty page past the end, still with total_count', async () => {
    const f = await start({ ...EMPTY_WORLD });
    addTasks(f, 3);
    expect(await pageOf(await f.get('offset=10'))).toEqual({ total_count: 3, jobs: [] });
  });

  it('returns 50 by default', async () => {
    const f = await start({ ...EMPTY_WORLD });
    addTasks(f, 60);
    const page = await pageOf(await f.get());
    expect(page.jobs).toHaveLength(50);
    expect(page.total_count).toBe(60);
  });

  it('breaks start_time ties by id, newest instant first even across offsets', async () => {
    const f = await start({ ...EMPTY_WORLD });
    for (const id of ['b', 'c', 'a']) f.sim.addJob(PROJECT, { id, start_time: '2024-01-10T11:00:00+0000' });
    f.sim.addJob(PROJECT, { id: 'z', start_time: '2024-01-10T19:30:00+0800' });
    const page = await pageOf(await f.get());
    expect(page.jobs.map((j) => j.id)).toEqual(['z', 'c', 'b', 'a']);
  });
});

describe('filters', () => {
  it('filters by id, status and name', async () => {
    const f = await start({ ...EMPTY_WORLD });
    const [first] = addTasks(f, 3, { name: 'BackupInstance' });
    addTasks(f, 2, { name: 'RestartInstance', status: 'Failed' });
    f.sim.addJob(PROJECT, { name: 'CreateCassandra' });
    const byId = await pageOf(await f.get(`id=${first?.id}`));
    expect(byId.jobs.map((j) => j.id)).toEqual([first?.id]);
    expect((await pageOf(await f.get('status=Failed'))).total_count).toBe(2);
    expect((await pageOf(await f.get('status=Running'))).total_count).toBe(1);
    expect((await pageOf(await f.get('name=BackupInstance'))).total_count).toBe(3);
    expect((await pageOf(await f.get('name=CreateCassandra&status=Running'))).total_count).toBe(1);
    expect((await pageOf(await f.get('name=NoSuchTask'))).total_count).toBe(0);
  });

  it('filters on start_time, both ends included', async () => {
    const f = await start({ ...EMPTY_WORLD });
    addTasks(f, 10);
    const page = await pageOf(await f.get('start_time=2024-01-10T11:52:00Z&end_time=2024-01-10T11:55:00Z'));
    expect(page.jobs.map((j) => j.start_time)).toEqual([
      '2024-01-10T11:55:00+0000',
      '2024-01-10T11:54:00+0000',
      '2024-01-10T11:53:00+0000',
      '2024-01-10T11:52:00+0000',
    ]);
  });

  it('defaults to the last 30 days up to now', async () => {
    const f = await start({ ...EMPTY_WORLD });
    f.sim.addJob(PROJECT, { id: 'old', start_time: '2023-12-10T11:59:59+0000' });
    f.sim.addJob(PROJECT, { id: 'recent', start_time: '2023-12-12T00:00:00+0000' });
    f.sim.addJob(PROJECT, { id: 'future', start_time: '2024-01-10T12:00:01+0000' });
    expect((await pageOf(await f.get())).jobs.map((j) => j.id)).toEqual(['recent']);
    f.advance(1_000);
    expect((await pageOf(await f.get())).jobs.map((j) => j.id)).toEqual(['future', 'recent']);
  });
});

describe('wire shape', () => {
  it('sends every field as the doc shows it', async () => {
    const f = await start({ historyJobs: 200 });
    f.advance(5_000);
    const response = await f.get();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const page = await pageOf(response);
    expect(typeof page.total_count).toBe('number');
    expect(page.jobs).toHaveLength(50);
    for (const job of page.jobs) {
      expect(Object.keys(job)).toEqual([
        'id',
        'name',
        'status',
        'start_time',
        'end_time',
        'progress',
        'instance',
        'fail_reason',
      ]);
      expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(job.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(job.start_time).toMatch(HUAWEI_TIME);
      expect(job.instance.id).toMatch(/^[0-9a-f]{32}in\d{2}$/);
      expect(job.instance.name).toMatch(/^nosql-[0-9a-f]{4}$/);
      if (job.status === 'Running') {
        expect(job.progress).toMatch(/^\d{1,3}%$/);
        expect(job.end_time).toBe('');
      } else {
        expect(job.progress).toBe('');
        expect(job.end_time).toMatch(HUAWEI_TIME);
      }
      if (job.status === 'Failed') expect(job.fail_reason).not.toBe('');
      else expect(job.fail_reason).toBe('');
    }
    const offsets = new Set(page.jobs.map((j) => j.start_time.slice(-5)));
    expect(offsets).toEqual(new Set(['+0000', '+0800']));
  });
});

describe('lifecycle over HTTP', () => {
  it('has a task running at start and moves it to its end as the clock advances', async () => {
    const f = await start({ speed: 4 });
    const running = (await pageOf(await f.get('status=Running'))).jobs;
    expect(running.length).toBeGreaterThan(0);
    f.advance(10_000);
    const later = await pageOf(await f.get());
    for (const { id } of running) {
      expect(['Completed', 'Failed']).toContain(later.jobs.find((j) => j.id === id)?.status);
    }
  });

  it('answers the same for the same seed and clock', async () => {
    const f = await start({ seed: 7 });
    const twin = createSimulator({ seed: 7, now: () => f.now() });
    f.advance(120_000);
    const page = await pageOf(await f.get());
    expect(page.jobs).toEqual(twin.jobs().slice(0, 50));
  });

  it('freezes the lifecycle while paused and continues after resume', async () => {
    const f = await start();
    f.advance(2_000);
    f.sim.pause();
    const before = await pageOf(await f.get());
    const running = before.jobs.filter((j) => j.status === 'Running');
    expect(running.length).toBeGreaterThan(0);
    f.advance(600_000);
    expect(await pageOf(await f.get())).toEqual(before);
    f.sim.resume();
    expect(await pageOf(await f.get())).toEqual(before);
    f.advance(120_000);
    const after = await pageOf(await f.get());
    for (const { id } of running) {
      expect(['Completed', 'Failed']).toContain(after.jobs.find((j) => j.id === id)?.status);
    }
    expect(after.total_count).toBeGreaterThan(before.total_count);
  });

  it('adds only the given task while paused, however much time has passed', async () => {
    const f = await start();
    f.sim.pause();
    const before = f.sim.jobs().length;
    f.advance(600_000);
    const added = f.sim.addJob(PROJECT, {});
    expect(f.sim.jobs().map((job) => job.id)).toContain(added.id);
    expect(f.sim.jobs()).toHaveLength(before + 1);
  });
});

describe('test controls', () => {
  it('adds, updates and removes tasks seen over HTTP', async () => {
    const f = await start({ ...EMPTY_WORLD });
    const job = f.sim.addJob(PROJECT, { name: 'RestartInstance' });
    expect((await pageOf(await f.get())).jobs).toEqual([job]);
    const done = f.sim.updateJob(PROJECT, job.id, {
      status: 'Completed',
      progress: '',
      end_time: '2024-01-10T12:00:30+0000',
    });
    expect((await pageOf(await f.get())).jobs).toEqual([done]);
    f.sim.updateJob(PROJECT, job.id, { status: 'Cancelled' });
    expect((await pageOf(await f.get())).jobs[0]?.status).toBe('Cancelled');
    f.sim.removeJob(PROJECT, job.id);
    expect((await pageOf(await f.get())).total_count).toBe(0);
  });

  it('names the project or task it does not know', async () => {
    const f = await start({ ...EMPTY_WORLD });
    expect(() => f.sim.addJob('nope', {})).toThrow(UnknownProjectError);
    expect(() => f.sim.jobs('nope')).toThrow(/nope/);
    expect(() => f.sim.updateJob(PROJECT, 'missing', {})).toThrow(UnknownJobError);
  });

  it('serves injected responses first, in order, even without a token', async () => {
    const f = await start();
    f.sim.injectNext({ status: 503, headers: { 'content-type': 'text/plain' }, body: 'busy' });
    f.sim.injectNext([{ status: 200, body: '{"total_count":"1","jobs":[]}' }, { reset: true }]);
    const first = await f.get('', { headers: {} });
    expect(first.status).toBe(503);
    expect(await first.text()).toBe('busy');
    expect(await (await f.get()).text()).toBe('{"total_count":"1","jobs":[]}');
    await expect(f.get()).rejects.toThrow();
    expect((await f.get()).status).toBe(200);
    expect(f.sim.stats.faults.injected).toBe(3);
  });

  it('calls onPage after each page so a test can add a task between pages', async () => {
    const f = await start({ ...EMPTY_WORLD });
    addTasks(f, 15);
    const calls: [string, number, number][] = [];
    f.sim.onPage = (projectId, offset, limit) => {
      calls.push([projectId, offset, limit]);
      if (calls.length === 1) f.sim.addJob(PROJECT, { id: 'late' });
    };
    const first = await pageOf(await f.get('limit=10'));
    const second = await pageOf(await f.get('limit=10&offset=10'));
    expect(calls).toEqual([
      [PROJECT, 0, 10],
      [PROJECT, 10, 10],
    ]);
    expect(first.total_count).toBe(15);
    expect(second.total_count).toBe(16);
    expect(second.jobs[0]).toEqual(first.jobs[9]);
  });

  it('counts requests, pages and statuses', async () => {
    const f = await start();
    await f.get();
    await f.get('limit=3');
    await f.get('', { headers: {} });
    expect(f.sim.stats).toMatchObject({ requests: 3, pages: 1, byStatus: { 200: 1, 400: 1, 401: 1 } });
  });
});

describe('listen and close', () => {
  it('resolves the base URL, refuses a second listen and clears the URL on close', async () => {
    const f = await start();
    expect(f.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(f.sim.url).toBe(f.url);
    await expect(f.sim.listen(0)).rejects.toThrow(AlreadyListeningError);
    await f.sim.close();
    expect(f.sim.url).toBeUndefined();
    await expect(fetch(`${f.url}/v3/${PROJECT}/jobs`)).rejects.toThrow();
  });

  it.each([
    ['speed', { speed: 0 }],
    ['failureRate', { failureRate: 2 }],
    ['jobsPerMinute', { jobsPerMinute: -1 }],
    ['projectIds', { projectIds: [] }],
    ['latencyMs', { latencyMs: -5 }],
  ])('rejects a bad %s', (option, options) => {
    expect(() => createSimulator(options)).toThrow(InvalidSimulatorOptionError);
    expect(() => createSimulator(options)).toThrow(option);
  });
});
