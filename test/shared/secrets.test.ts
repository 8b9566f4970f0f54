import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePollCommand, runPoll } from '../../local/poll-command';
import { simulatorAuth } from '../../local/simulator/auth-modes';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type InjectedResponse, type Simulator } from '../../local/simulator/server';

// Secrets (token, SK, security token, IAM password) never appear in what the watcher writes: its
// status and error lines, the console sink, the JSONL events, the errors it hands back (causes and
// all), or anything else written to stdout/stderr, whether the credentials work, are wrong, or a
// server echoes them back.
const PROJECT_ID = 'secretsproject';
const AK = 'HPUAEXAMPLEACCESSKEY77';
const SECRETS = {
  token: 'tok-SECRET-1f9a7c3e5b0d',
  sk: 'sk-SECRET-Zq81mXv0Rt5wPe2Ly7',
  securityToken: 'sts-SECRET-8d2e4a6b1c',
  password: 'pw-SECRET-9f3b!x2Q',
  wrongToken: 'tok-SECRET-WRONG-77a1',
  wrongSk: 'sk-SECRET-WRONG-31c9e0',
  wrongPassword: 'pw-SECRET-WRONG-55d0',
} as const;
const USER = { name: 'ops-watcher', password: SECRETS.password, domainName: 'acme-domain' };

let simulator: Simulator;
let url: string;
let dir: string;

/** An IAM that quotes the request it refuses, password included: a hostile or debugging proxy. */
async function echoingIam(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (!String(req.url).startsWith('/echo/v3/auth/tokens')) return false;
  let body = '';
  for await (const chunk of req) body += String(chunk);
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 400, title: 'Bad Request', message: `cannot parse ${body}` } }));
  return true;
}

beforeAll(async () => {
  const auth = simulatorAuth({
    token: SECRETS.token,
    aksk: { accessKey: AK, secretKey: SECRETS.sk },
    iamUsers: [USER],
  });
  simulator = createSimulator({
    seed: 9,
    projectIds: [PROJECT_ID],
    historyJobs: 0,
    runningAtStart: 0,
    jobsPerMinute: 0,
    ...auth,
    routes: [echoingIam, ...(auth.routes ?? [])],
  });
  simulator.pause();
  url = await simulator.listen(0);
  simulator.addJob(PROJECT_ID, { status: 'Running', start_time: formatHuaweiTime(Date.now() - 60_000) });
  simulator.addJob(PROJECT_ID, {
    status: 'Failed',
    start_time: formatHuaweiTime(Date.now() - 120_000),
    fail_reason: 'Backup timed out.',
  });
  dir = await mkdtemp(join(tmpdir(), 'watcher-secrets-'));
});

afterAll(async () => {
  await simulator.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything one in-process `poll --once` wrote or handed back, as one text. */
async function pollOnce(name: string, env: Record<string, string>, inject: InjectedResponse[] = []) {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(inspect(args, { depth: 12 }));
    });
  }
  const events = join(dir, `${name}.jsonl`);
  const args = ['--once', '--announce-baseline', '--endpoint', url, '--region', 'ap-southeast-1'];
  args.push(
    '--project-id',
    PROJECT_ID,
    '--store',
    'dynalite',
    '--sink',
    'console',
    '--sink',
    `jsonl:${events}`,
  );
  simulator.injectNext(inject);
  let exitCode: number | string;
  try {
    exitCode = await runPoll(parsePollCommand(args, env), {
      env,
      status: (line) => written.push(line),
      out: (line) => written.push(line),
      color: false,
      onRound: (result) => {
        written.push(inspect(result, { depth: 12, showHidden: true }));
      },
    });
  } catch (error) {
    exitCode = 'threw';
    written.push(inspect(error, { depth: 12, showHidden: true }));
  }
  vi.restoreAllMocks();
  const published = await readFile(events, 'utf8').catch(() => '');
  return { exitCode, text: [...written, published].join('\n'), published };
}

/** IAM login variables; a function, since the simulator's URL is known only once it listens. */
const iamEnv =
  (password: string, path = '') =>
  () => ({
    HUAWEICLOUD_USERNAME: USER.name,
    HUAWEICLOUD_PASSWORD: password,
    HUAWEICLOUD_DOMAIN_NAME: USER.domainName,
    HUAWEICLOUD_IAM_ENDPOINT: `${url}${path}`,
  });
const echoed = (secret: string): InjectedResponse => ({
  status: 401,
  body: JSON.stringify({
    error_code: 'APIG.0301',
    error_msg: `Incorrect IAM authentication information: ${secret}`,
  }),
});

describe('secrets in what the watcher writes', () => {
  it.each([
    { mode: 'token', env: () => ({ HUAWEICLOUD_AUTH_TOKEN: SECRETS.token }), exit: 0, says: /2 published/ },
    {
      mode: 'a wrong token (401)',
      env: () => ({ HUAWEICLOUD_AUTH_TOKEN: SECRETS.wrongToken }),
      exit: 1,
      says: /APIG\.0301/,
    },
    {
      mode: 'AK/SK',
      env: () => ({ HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SECRETS.sk }),
      exit: 0,
      says: /2 published/,
    },
    {
      mode: 'AK/SK with a security token',
      env: () => ({
        HUAWEICLOUD_SDK_AK: AK,
        HUAWEICLOUD_SDK_SK: SECRETS.sk,
        HUAWEICLOUD_SDK_SECURITY_TOKEN: SECRETS.securityToken,
      }),
      exit: 0,
      says: /temporary, with security token/,
    },
    {
      mode: 'a wrong SK (401)',
      env: () => ({ HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SECRETS.wrongSk }),
      exit: 1,
      says: /APIG\.0301/,
    },
    { mode: 'IAM password', env: iamEnv(SECRETS.password), exit: 0, says: /2 published/ },
    {
      mode: 'a wrong IAM password',
      env: iamEnv(SECRETS.wrongPassword),
      exit: 1,
      says: /IamAuthenticationError/,
    },
  ])('keeps them out with $mode', async ({ mode, env, exit, says }) => {
    const { exitCode, text } = await pollOnce(mode.replace(/\W+/g, '-'), env());
    expect(exitCode).toBe(exit);
    expect(text).toMatch(says);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });

  it.each([
    { mode: 'an API 401 quoting the token', inject: [echoed(SECRETS.token)], says: /JobsUnauthorizedError/ },
    {
      mode: 'an HTML page quoting the token on every attempt',
      inject: Array.from({ length: 4 }, () => ({
        status: 200,
        body: `<html>Your token ${SECRETS.token} is fine</html>`,
      })),
      says: /MalformedJobsResponseError/,
    },
  ])('keeps the token out when the server echoes it: $mode', async ({ mode, inject, says }) => {
    const { exitCode, text } = await pollOnce(
      mode.replace(/\W+/g, '-'),
      { HUAWEICLOUD_AUTH_TOKEN: SECRETS.token },
      inject,
    );
    expect(exitCode).toBe(1);
    expect(text).toMatch(says);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(SECRETS.token);
  });

  it('keeps the password out when IAM quotes the login it refuses', async () => {
    const { exitCode, text } = await pollOnce('iam-echo', iamEnv(SECRETS.password, '/echo')());
    expect(exitCode).toBe(1);
    expect(text).toMatch(/IamRequestError/);
    expect(text).toContain(USER.name);
    expect(text).not.toContain(SECRETS.password);
  });
});
