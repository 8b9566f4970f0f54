import { afterEach, describe, expect, it } from 'vitest';
import {
  drawFault,
  type FaultRates,
  InvalidFaultRateError,
  truncateBody,
  wrongTypesBody,
} from '../../../local/simulator/faults';
import { createRandom } from '../../../local/simulator/random';
import { createSimulator } from '../../../local/simulator/server';
import { type Fixture, startFixture } from './fixture';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});
const start = async (faults: FaultRates) => {
  fixture = await startFixture({ faults });
  return fixture;
};
/** Sends `count` requests one after another, collecting responses (or the error of a reset). */
const sendMany = async (f: Fixture, count: number): Promise<(Response | Error)[]> => {
  const out: (Response | Error)[] = [];
  for (let i = 0; i < count; i++) out.push(await f.get().catch((error: Error) => error));
  return out;
};
const responses = (all: (Response | Error)[]): Response[] =>
  all.filter((r): r is Response => r instanceof Response);

const PAGE = {
  total_count: 2,
  jobs: [
    {
      id: '6f85e061-04dd-42e7-86d6-d3b1e40aac2e',
      name: 'CreateCassandra',
      status: 'Running',
      start_time: '2023-09-12T06:44:01+0000',
      end_time: '',
      progress: '14%',
      instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
      fail_reason: '',
    },
  ],
};

describe('drawFault', () => {
  it('picks nothing without rates and the only fault at rate 1', () => {
    const random = createRandom(1);
    expect(drawFault(random, undefined)).toMatchObject({ kind: undefined, slowMs: 0 });
    expect(drawFault(random, { htmlPage: 1 }).kind).toBe('htmlPage');
    expect(drawFault(random, { slow: 1, slowMs: 5 })).toMatchObject({ kind: undefined, slowMs: 5 });
  });

  it('hits about the configured share of requests', () => {
    const random = createRandom(2);
    const draws = Array.from({ length: 2000 }, () => drawFault(random, { throttle: 0.1, serverError: 0.2 }));
    const share = (kind: string) => draws.filter((d) => d.kind === kind).length / draws.length;
    expect(share('throttle')).toBeGreaterThan(0.07);
    expect(share('throttle')).toBeLessThan(0.13);
    expect(share('serverError')).toBeGreaterThan(0.16);
    expect(share('serverError')).toBeLessThan(0.24);
  });
});

describe('truncateBody', () => {
  it.each([0, 0.5, 0.999])('never leaves valid JSON (variant %s)', (variant) => {
    const body = JSON.stringify(PAGE);
    const cut = truncateBody(body, variant);
    expect(cut.length).toBeLessThan(body.length);
    expect(body.startsWith(cut)).toBe(true);
    expect(() => JSON.parse(cut)).toThrow();
  });
});

describe('wrongTypesBody', () => {
  it.each([
    [0, (b: Record<string, unknown>) => typeof b.total_count === 'string'],
    [0.3, (b: { jobs: Record<string, unknown>[] }) => typeof b.jobs[0]?.start_time === 'number'],
    [0.6, (b: { jobs: Record<string, unknown>[] }) => Array.isArray(b.jobs[0]?.progress)],
    [0.9, (b: { jobs: Record<string, unknown>[] }) => typeof b.jobs[0]?.instance === 'string'],
  ])('breaks one field (variant %s)', (variant, broken) => {
    expect(broken(JSON.parse(wrongTypesBody(PAGE, variant)))).toBe(true);
  });

  it('breaks total_count when there is no job to break', () => {
    expect(JSON.parse(wrongTypesBody({ total_count: 0, jobs: [] }, 0.9))).toEqual({
      total_count: '0',
      jobs: [],
    });
  });
});

describe('fault injection over HTTP', () => {
  it('throttles with 429 APIG.0308 and Retry-After', async () => {
    const f = await start({ throttle: 1, retryAfterSeconds: 3 });
    const response = await f.get();
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toMatchObject({ error_code: 'APIG.0308' });
    expect(f.sim.stats.faults.throttle).toBe(1);
  });

  it('answers 500, 502 and 503 with Huawei-shaped bodies', async () => {
    const f = await start({ serverError: 1 });
    const all = responses(await sendMany(f, 20));
    expect(new Set(all.map((r) => r.status))).toEqual(new Set([500, 502, 503]));
    for (const response of all) {
      expect(await response.json()).toMatchObject({
        error_code: expect.any(String),
        error_msg: expect.any(String),
      });
    }
    expect(f.sim.stats.faults.serverError).toBe(20);
  });

  it('serves HTML pages with 200 and 502', async () => {
    const f = await start({ htmlPage: 1 });
    const all = responses(await sendMany(f, 12));
    expect(new Set(all.map((r) => r.status))).toEqual(new Set([200, 502]));
    for (const response of all) {
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/^(<!DOCTYPE html>)?<html>/);
    }
    expect(f.sim.stats.faults.htmlPage).toBe(12);
  });

  it('cuts the JSON body of a 200 mid-way', async () => {
    const f = await start({ truncatedJson: 1 });
    const response = await f.get();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"total_count":')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    expect(f.sim.stats).toMatchObject({ pages: 0, faults: { truncatedJson: 1 } });
  });

  it('sends fields of the wrong type', async () => {
    const f = await start({ wrongTypes: 1 });
    for (const response of responses(await sendMany(f, 8))) {
      const body = (await response.json()) as { total_count: unknown; jobs: Record<string, unknown>[] };
      const typesAsDocumented =
        typeof body.total_count === 'number' &&
        body.jobs.every((job) =>
          Object.entries(job).every(([key, value]) =>
            key === 'instance' ? typeof value === 'object' && value !== null : typeof value === 'string',
          ),
        );
      expect(typesAsDocumented).toBe(false);
    }
    expect(f.sim.stats.faults.wrongTypes).toBe(8);
  });

  it('resets the connection', async () => {
    const f = await start({ connectionReset: 1 });
    await expect(f.get()).rejects.toThrow();
    expect(f.sim.stats.faults.connectionReset).toBe(1);
  });

  it('delays a slow answer and still serves the page', async () => {
    const f = await start({ slow: 1, slowMs: 5 });
    expect((await f.get()).status).toBe(200);
    expect(f.sim.stats).toMatchObject({ pages: 1, faults: { slow: 1 } });
  });

  it('faults a gateway-level request before checking the token', async () => {
    const f = await start({ throttle: 1 });
    expect((await f.get('', { headers: {} })).status).toBe(429);
  });

  it('replays the same fault sequence for the same seed', async () => {
    const rates = { throttle: 0.2, serverError: 0.2, htmlPage: 0.2 };
    const statuses = async () => {
      const f = await start(rates);
      const all = await sendMany(f, 15);
      await f.close();
      return responses(all).map((r) => r.status);
    };
    const first = await statuses();
    expect(new Set(first).size).toBeGreaterThan(2);
    expect(await statuses()).toEqual(first);
  });

  it('turns faults on and off with setFaults', async () => {
    const f = await start({});
    expect((await f.get()).status).toBe(200);
    f.sim.setFaults({ throttle: 1 });
    expect((await f.get()).status).toBe(429);
    f.sim.setFaults(undefined);
    expect((await f.get()).status).toBe(200);
  });

  it.each([
    ['throttle', { throttle: 1.5 }],
    ['slow', { slow: -0.1 }],
    ['htmlPage', { htmlPage: Number.NaN }],
  ])('rejects a %s rate outside 0-1', (field, rates) => {
    expect(() => createSimulator({ faults: rates })).toThrow(InvalidFaultRateError);
    expect(() => createSimulator({ faults: rates })).toThrow(field);
  });
});
