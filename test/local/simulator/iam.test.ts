import { afterEach, describe, expect, it } from 'vitest';
import { createIamHandler, type IamHandler } from '../../../local/simulator/iam';
import { sendJson, startHttpServer, type TestHttpServer } from '../../support/http-server';

// The handler's own tests live here (not under test/local/simulator) to stay within this work item's paths.

const USER = { name: 'watcher', password: 'Secret#1 with spaces', domainName: 'acme' };
const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';

function loginBody(overrides: { name?: string; password?: string; domainName?: string } = {}) {
  const user = { ...USER, ...overrides };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user.name, password: user.password, domain: { name: user.domainName } } },
      },
      scope: { project: { id: PROJECT } },
    },
  };
}

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(iam: IamHandler): Promise<string> {
  server = await startHttpServer(async (req, res) => {
    if (!(await iam.handle(req, res))) sendJson(res, 404, { error: 'not iam' });
  });
  return server.url;
}

function post(base: string, body: unknown, path = '/v3/auth/tokens'): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('createIamHandler', () => {
  it('issues a token in X-Subject-Token with expires_at after the TTL', async () => {
    const now = new Date('2024-03-01T12:00:00Z');
    const iam = createIamHandler({ users: [USER], tokenTtlSeconds: 3600, now: () => now });
    const response = await post(await start(iam), loginBody());
    const token = response.headers.get('x-subject-token') ?? '';
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      token: { expires_at: '2024-03-01T13:00:00.000Z', methods: ['password'], project: { id: PROJECT } },
    });
    expect(token.length).toBeGreaterThan(30);
    expect(iam.isValidToken(token)).toBe(true);
    expect(iam.issued).toBe(1);
  });

  it('issues a different token each time', async () => {
    const iam = createIamHandler({ users: [USER] });
    const base = await start(iam);
    const first = (await post(base, loginBody())).headers.get('x-subject-token');
    const second = (await post(base, loginBody())).headers.get('x-subject-token');
    expect(first).not.toBe(second);
    expect(iam.issued).toBe(2);
  });

  it.each([
    ['a wrong password', { password: 'nope' }],
    ['an unknown user', { name: 'mallory' }],
    ['another domain', { domainName: 'other' }],
  ])('answers 401 with IAM body for %s', async (_name, overrides) => {
    const iam = createIamHandler({ users: [USER] });
    const response = await post(await start(iam), loginBody(overrides));
    expect(response.status).toBe(401);
    expect(response.headers.get('x-subject-token')).toBeNull();
    expect(await response.json()).toEqual({
      error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
    });
    expect(iam.issued).toBe(0);
  });

  it.each([
    ['not JSON', '{"auth":', 'The request body is not JSON.'],
    [
      'no password method',
      { auth: { identity: { methods: ['token'] } } },
      'auth.identity.methods must include "password".',
    ],
    [
      'no domain',
      { auth: { identity: { methods: ['password'], password: { user: { name: 'a', password: 'b' } } } } },
      'auth.identity.password.user needs name, password and domain.name.',
    ],
    [
      'no project scope',
      { auth: { ...loginBody().auth, scope: { domain: { name: 'acme' } } } },
      'auth.scope.project.id is required.',
    ],
  ])('answers 400 for a body with %s', async (_name, body, message) => {
    const response = await post(await start(createIamHandler({ users: [USER] })), body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 400, message, title: 'Bad Request' } });
  });

  it.each([
    ['GET', '/v3/auth/tokens'],
    ['POST', '/v3/projects'],
  ])('leaves %s %s to the rest of the simulator', async (method, path) => {
    const base = await start(createIamHandler({ users: [USER] }));
    const response = await fetch(`${base}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
    expect(response.status).toBe(404);
  });

  it('stops accepting a token once it expires or is revoked', async () => {
    let now = new Date('2024-03-01T12:00:00Z');
    const iam = createIamHandler({ users: [USER], tokenTtlSeconds: 60, now: () => now });
    const base = await start(iam);
    const expiring = (await post(base, loginBody())).headers.get('x-subject-token') ?? '';
    const revoked = (await post(base, loginBody())).headers.get('x-subject-token') ?? '';
    iam.revoke(revoked);
    expect(iam.isValidToken(revoked)).toBe(false);
    expect(iam.isValidToken(expiring)).toBe(true);
    now = new Date('2024-03-01T12:01:00Z');
    expect(iam.isValidToken(expiring)).toBe(false);
    expect(iam.isValidToken(undefined)).toBe(false);
    expect(iam.isValidToken('MIIforged')).toBe(false);
  });

  it('authorizes requests by their X-Auth-Token', async () => {
    const iam = createIamHandler({ users: [USER] });
    const base = await start(iam);
    const token = (await post(base, loginBody())).headers.get('x-subject-token') ?? '';
    const seen: boolean[] = [];
    await server?.close();
    server = await startHttpServer((req, res) => {
      seen.push(iam.authorize(req));
      res.end();
    });
    await fetch(server.url, { headers: { 'X-Auth-Token': token } });
    await fetch(server.url, { headers: { 'X-Auth-Token': `${token}x` } });
    await fetch(server.url);
    expect(seen).toEqual([true, false, false]);
  });
});
