import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorAuth } from '../../local/simulator/auth-modes';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import type { JobEvent } from '../../shared/job-event';
import { runCli } from '../support/cli';

// Issue 5 end to end: each Huawei auth mode through `poll --once` against a simulator that
// verifies AK/SK signatures and serves an IAM token endpoint; several targets in one run.
const AK = 'HPUAEXAMPLEACCESSKEY01';
const SK = 'sk-secret-Zq81mXv0Rt5wPe2Ly7Nc';
const USER = { name: 'ops-watcher', password: 'pw-Secret!9f3b', domainName: 'acme-domain' };
const TOKEN = 'static-token-7b1d2c';
const PROJECTS = ['projectaksk', 'projectiam', 'projecttoken', 'projecttwo'] as const;
let simulator: Simulator;
let url: string;
let dir: string;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 5,
    projectIds: PROJECTS,
    historyJobs: 0,
    runningAtStart: 0,
    ...simulatorAuth({ token: TOKEN, aksk: { accessKey: AK, secretKey: SK }, iamUsers: [USER] }),
  });
  simulator.pause();
  url = await simulator.listen(0);
  dir = await mkdtemp(join(tmpdir(), 'watcher-auth-'));
  for (const projectId of PROJECTS) {
    simulator.addJob(projectId, { status: 'Running', start_time: formatHuaweiTime(Date.now() - 60_000) });
  }
});

afterAll(async () => {
  await simulator.close();
  await rm(dir, { recursive: true, force: true });
});

const SECRETS = [SK, USER.password, TOKEN];

async function pollOnce(name: string, env: Record<string, string>, targets: string[]) {
  const events = join(dir, `${name}.jsonl`);
  const run = await runCli(
    ['poll', '--once', '--announce-baseline', '--store', 'dynalite', '--sink', `jsonl:${events}`, ...targets],
    env,
  );
  const lines = await readFile(events, 'utf8').catch(() => '');
  const published = lines
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JobEvent);
  return { run, published };
}

describe('poll --once with each Huawei auth mode', () => {
  it.concurrent.each([
    ['aksk', { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK }, 'projectaksk', /auth: aksk \(AK HPUA…\)/],
    [
      'iam-password',
      {
        HUAWEICLOUD_USERNAME: USER.name,
        HUAWEICLOUD_PASSWORD: USER.password,
        HUAWEICLOUD_DOMAIN_NAME: USER.domainName,
        HUAWEICLOUD_IAM_ENDPOINT: '',
      },
      'projectiam',
      /auth: iam-password/,
    ],
    ['token', { HUAWEICLOUD_AUTH_TOKEN: TOKEN }, 'projecttoken', /auth: token/],
  ])('authenticates with %s and publishes the target’s events', async (mode, env, projectId, described) => {
    const fullEnv = mode === 'iam-password' ? { ...env, HUAWEICLOUD_IAM_ENDPOINT: url } : env;
    const { run, published } = await pollOnce(mode, fullEnv, [
      '--target',
      `ap-southeast-1/${projectId}@${url}`,
    ]);
    expect(run.stderr).toMatch(described);
    expect(run.code).toBe(0);
    expect(published.map((event) => event.data.project_id)).toEqual([projectId]);
    for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('polls several targets in one run, and a target that fails does not stop the others', async () => {
    const { run, published } = await pollOnce('many', { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK }, [
      '--target',
      `ap-southeast-1/projectaksk@${url}`,
      '--target',
      `ap-southeast-1/nosuchproject@${url}`,
      '--target',
      `eu-west-101/projecttwo@${url}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: target ap-southeast-1\/nosuchproject: fetch failed: .*404/);
    expect(published.map((event) => event.source).sort()).toEqual([
      'geminidb-job-watcher/ap-southeast-1/projectaksk',
      'geminidb-job-watcher/eu-west-101/projecttwo',
    ]);
  });

  it('fails loudly with exit 1 and no secret in the output when the credentials are wrong', async () => {
    const { run } = await pollOnce(
      'wrong',
      {
        HUAWEICLOUD_USERNAME: USER.name,
        HUAWEICLOUD_PASSWORD: 'not-the-password-x1',
        HUAWEICLOUD_DOMAIN_NAME: USER.domainName,
        HUAWEICLOUD_IAM_ENDPOINT: url,
      },
      ['--target', `ap-southeast-1/projectiam@${url}`],
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: target ap-southeast-1\/projectiam: fetch failed: IamAuthenticationError/,
    );
    expect(run.stderr).toContain(USER.name);
    expect(run.stdout + run.stderr).not.toContain('not-the-password-x1');
  });

  it('exits 2 naming the missing variable when a mode is half configured', async () => {
    const { run } = await pollOnce('half', { HUAWEICLOUD_SDK_AK: AK }, [
      '--target',
      `ap-southeast-1/projectaksk@${url}`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/HUAWEICLOUD_SDK_SK/);
  });
});
