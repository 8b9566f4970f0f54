import { afterEach, describe, expect, it } from 'vitest';
import { akskAuthorizer } from '../../../local/simulator/aksk-check';
import { createAkskAuthenticator } from '../../../shared/auth/aksk';
import { startHttpServer, type TestHttpServer } from '../../support/http-server';

// The authorizer's own tests live here (not under test/local/simulator) to stay within this work item's paths.

const AK = 'HPUAEXAMPLEAK0001';
const SK = 'exampleSecretKey0123456789abcdefghijklmn';
const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const CLIENT_NOW = new Date('2024-03-01T12:00:00Z');

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Setup {
  readonly serverNow?: Date;
  readonly secretKey?: string;
}

/** A real server guarded by the authorizer: 200 when authorized, else 401; records the reasons. */
async function guardedServer(setup: Setup = {}) {
  const reasons: string[] = [];
  const authorize = akskAuthorizer({
    accessKey: AK,
    secretKey: setup.secretKey ?? SK,
    now: () => setup.serverNow ?? CLIENT_NOW,
    onReject: (reason) => reasons.push(reason),
  });
  server = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    res.writeHead(authorize(req, url) ? 200 : 401).end();
  });
  return { base: server.url, reasons };
}

const auth = createAkskAuthenticator({
  accessKey: AK,
  secretKey: SK,
  projectId: PROJECT,
  now: () => CLIENT_NOW,
});

/** Signs a GET for `signedPath` and sends it to `sentPath` (the same unless tampering). */
async function send(
  base: string,
  signedPath: string,
  sentPath = signedPath,
  change: Record<string, string> = {},
) {
  const headers = { 'content-type': 'application/json' };
  const signed = await auth.headersFor({
    method: 'GET',
    url: new URL(`${base}${signedPath}`),
    headers,
    body: '',
  });
  const response = await fetch(`${base}${sentPath}`, { headers: { ...headers, ...signed, ...change } });
  return response.status;
}

const JOBS = `/v3/${PROJECT}/jobs?start_time=2024-03-01T00%3A00%3A00%2B0000&end_time=2024-03-01T12%3A00%3A00%2B0000&limit=50`;

describe('akskAuthorizer', () => {
  it('accepts what createAkskAuthenticator signs, over real HTTP', async () => {
    const { base, reasons } = await guardedServer();
    expect(await send(base, JOBS)).toBe(200);
    expect(await send(base, `/v3/${PROJECT}/jobs/caf%C3%A9%20x?name=a+b&name=%2B`)).toBe(200);
    expect(reasons).toEqual([]);
  });

  it.each([
    ['a changed query value', JOBS.replace('limit=50', 'limit=10')],
    ['an added query parameter', `${JOBS}&offset=50`],
    ['a changed path', JOBS.replace('/jobs', '/jobz')],
    ['a changed project in the path', JOBS.replace(PROJECT, 'other')],
  ])('refuses %s', async (_name, sentPath) => {
    const { base, reasons } = await guardedServer();
    expect(await send(base, JOBS, sentPath)).toBe(401);
    expect(reasons).toEqual(['signature does not match']);
  });

  it.each([
    ['a changed X-Sdk-Date', { 'X-Sdk-Date': '20240301T120001Z' }, 'signature does not match'],
    ['a changed X-Project-Id', { 'X-Project-Id': 'other' }, 'signature does not match'],
    [
      'a malformed X-Sdk-Date',
      { 'X-Sdk-Date': '2024-03-01T12:00:00Z' },
      'X-Sdk-Date is not YYYYMMDDTHHMMSSZ',
    ],
    ['no Authorization', { Authorization: '' }, 'no Authorization header'],
  ])('refuses %s', async (_name, change, reason) => {
    const { base, reasons } = await guardedServer();
    expect(await send(base, JOBS, JOBS, change)).toBe(401);
    expect(reasons).toEqual([reason]);
  });

  it.each([
    ['14 minutes behind', -14, 200],
    ['16 minutes behind', -16, 401],
    ['14 minutes ahead', 14, 200],
    ['16 minutes ahead', 16, 401],
  ])('judges a client clock %s (15 minutes allowed)', async (_name, minutes, status) => {
    const { base } = await guardedServer({ serverNow: new Date(CLIENT_NOW.getTime() - minutes * 60_000) });
    expect(await send(base, JOBS)).toBe(status);
  });

  it('refuses a signature made with another secret key', async () => {
    const { base, reasons } = await guardedServer({ secretKey: 'another-secret' });
    expect(await send(base, JOBS)).toBe(401);
    expect(reasons).toEqual(['signature does not match']);
  });

  it('refuses a request with a body it cannot check', async () => {
    const { base, reasons } = await guardedServer();
    const signed = await auth.headersFor({
      method: 'POST',
      url: new URL(`${base}${JOBS}`),
      headers: {},
      body: '',
    });
    const response = await fetch(`${base}${JOBS}`, { method: 'POST', headers: signed, body: '{"a":1}' });
    expect(response.status).toBe(401);
    expect(reasons).toEqual(['the simulator verifies AK/SK only on requests without a body']);
  });
});
