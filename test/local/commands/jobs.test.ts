import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JOBS_COLUMNS, jobRows, parseJobsCommand, renderTable, runJobs } from '../../../local/commands/jobs';
import { HELP } from '../../../local/help';
import { parsePollCommand, runPoll } from '../../../local/poll-command';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../../local/simulator/server';
import { UsageError } from '../../../local/specs';
import { formatTime } from '../../../shared/publish/format';
import type { StoredJob } from '../../../shared/store/task-store';
import { type SnsStandIn, startSnsStandIn } from '../../support/aws/sns';
import { runCli } from '../../support/cli';

const TOKEN = 'jobs-test-token-8e21';
const PROJECT = 'jobstestproject0001';
const EMPTY_PROJECT = 'jobstestproject0002';
const REGION = 'ap-southeast-1';
let simulator: Simulator;
let url: string;
let dir: string;
let store: string;
let refusingSns: SnsStandIn;

/** Start of the failed job, two hours ago in whole seconds; the running job started later, so it changed last. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000;
const RUNNING_START = formatTime(new Date(T0 + 600_000).toISOString());
const FAILED_END = formatTime(new Date(T0 + 95_000).toISOString());

beforeAll(async () => {
  simulator = createSimulator({
    seed: 5,
    token: TOKEN,
    projectIds: [PROJECT, EMPTY_PROJECT],
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  url = await simulator.listen(0);
  dir = await mkdtemp(join(tmpdir(), 'watcher-jobs-'));
  store = `dynalite:${join(dir, 'state')}`;
  simulator.addJob(PROJECT, {
    id: 'job-failed-1',
    name: 'RestartInstance',
    status: 'Failed',
    start_time: formatHuaweiTime(T0),
    end_time: formatHuaweiTime(T0 + 95_000),
    progress: '',
    instance: { id: 'inst-b', name: 'nosql-b' },
    fail_reason: 'Node unreachable.',
  });
  simulator.addJob(PROJECT, {
    id: 'job-running-1',
    name: 'BackupInstance',
    status: 'Running',
    start_time: formatHuaweiTime(T0 + 600_000),
    end_time: '',
    progress: '40%',
    instance: { id: 'inst-a', name: 'nosql-a' },
    fail_reason: '',
  });
  // One cycle that announces both jobs to a sink that refuses them (an SNS stand-in): they stay pending.
  refusingSns = await startSnsStandIn({ topicArns: [] });
  for (const [name, value] of Object.entries({
    ...refusingSns.endpointEnv,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
  }))
    vi.stubEnv(name, value);
  const poll = parsePollCommand(
    [
      '--once',
      '--quiet',
      '--endpoint',
      url,
      '--region',
      REGION,
      '--project-id',
      PROJECT,
      '--store',
      store,
      '--announce-baseline',
      '--sink',
      'sns:arn:aws:sns:ap-southeast-1:123456789012:refuses-everything',
    ],
    {},
  );
  await runPoll(poll, { env: { HUAWEICLOUD_AUTH_TOKEN: TOKEN }, status: () => {} });
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await refusingSns.close();
  await simulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function jobs(args: string[]) {
  const out: string[] = [];
  const status: string[] = [];
  const code = await runJobs(parseJobsCommand(args, {}), {
    out: (line) => out.push(line),
    status: (line) => status.push(line),
  });
  return { code, out, status };
}

describe('parseJobsCommand', () => {
  it('reads the target from flags or the environment, and the store poll uses by default', () => {
    expect(parseJobsCommand([], { HUAWEICLOUD_SDK_REGION: REGION, HUAWEICLOUD_SDK_PROJECT_ID: 'p' })).toEqual(
      {
        targets: [{ region: REGION, projectId: 'p' }],
        store: { kind: 'dynalite', dir: '.data/dynalite' },
        json: false,
      },
    );
  });

  it('takes several targets', () => {
    const command = parseJobsCommand(
      ['--target', 'r1/p1', '--target', 'r2/p2', '--store', 'dynamodb:tbl'],
      {},
    );
    expect(command.targets).toEqual([
      { region: 'r1', projectId: 'p1' },
      { region: 'r2', projectId: 'p2' },
    ]);
    expect(command.store).toEqual({ kind: 'dynamodb', table: 'tbl' });
  });

  it.each<[string[], RegExp]>([
    [['--project-id', 'p'], /jobs: --region is required/],
    [['--region', 'r'], /jobs: --project-id is required/],
    [['--region', 'r', '--project-id', 'p', '--store', 'redis'], /--store: "redis"/],
    [
      ['--region', 'r', '--project-id', 'p', '--sink', 'console'],
      /jobs: unknown flag --sink \(the flags are --region, /,
    ],
  ])('refuses %j', (args, message) => {
    expect(() => parseJobsCommand(args, {})).toThrow(UsageError);
    expect(() => parseJobsCommand(args, {})).toThrow(message);
  });
});

describe('--help', () => {
  it('documents send-test and jobs next to poll and simulate, which keep their text', () => {
    expect(HELP).toContain('npm run cli -- send-test --region REGION --project-id ID [--type TYPE]');
    expect(HELP).toContain(
      'npm run cli -- jobs --region REGION --project-id ID [--target REGION/PROJECT_ID]...',
    );
    expect(HELP).toMatch(/\njobs\n {2}Lists what the store knows/);
    expect(HELP).toMatch(/\nsend-test\n {2}Publishes one clearly marked test event/);
    expect(HELP).toContain(
      'npm run cli -- poll [--once] [--interval SECONDS] [--endpoint URL] --region REGION --project-id ID',
    );
  });
});

describe('renderTable', () => {
  it('pads every column to its widest cell', () => {
    const stored = {
      job: {
        id: 'j1',
        name: 'N',
        status: 'Completed',
        start_time: '2026-01-01T00:00:00.000Z',
        end_time: null,
        progress: null,
        instance: { id: '', name: '' },
        fail_reason: null,
      },
      occurrences: {},
      version: 1,
      pending: [],
      progressStep: null,
      stalledReported: false,
    } as StoredJob;
    expect(renderTable(jobRows([stored]))).toEqual([
      `JOB  NAME  INSTANCE  STATUS     PROGRESS  LAST CHANGE              PENDING`,
      `j1   N     -         Completed  -         2026-01-01 00:00:00 UTC  0`,
    ]);
    expect(JOBS_COLUMNS).toHaveLength(7);
  });
});

describe('finding 9: renderTable prints no terminal escape from job data', () => {
  it('turns control characters in names, instances and statuses into spaces', () => {
    const stored = {
      job: {
        id: 'j1',
        name: 'Backup\u001b]0;owned\u0007',
        status: 'Failed\u001b[2J',
        start_time: '2026-01-01T00:00:00.000Z',
        end_time: null,
        progress: null,
        instance: { id: 'i1', name: 'nosql\u009b31m' },
        fail_reason: null,
      },
      occurrences: {},
      version: 1,
      pending: [],
      progressStep: null,
      stalledReported: false,
    } as StoredJob;
    const lines = renderTable(jobRows([stored]));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character is the point
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[1]).toBe(
      'j1   Backup ]0;owned   nosql 31m  Failed [2J  -         2026-01-01 00:00:00 UTC  0',
    );
  });
});

describe('runJobs against the simulator and dynalite', () => {
  it('lists what poll recorded, most recent change first, with the events left pending', async () => {
    const run = await jobs(['--region', REGION, '--project-id', PROJECT, '--store', store]);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      'JOB            NAME             INSTANCE  STATUS   PROGRESS  LAST CHANGE              PENDING',
      `job-running-1  BackupInstance   nosql-a   Running  40%       ${RUNNING_START}  1`,
      `job-failed-1   RestartInstance  nosql-b   Failed   -         ${FAILED_END}  1`,
    ]);
    expect(run.status).toEqual([`2 jobs recorded for ${REGION}/${PROJECT}`]);
  });

  it('writes one JSON object per job with --json, progress a number and times in ISO 8601', async () => {
    const run = await jobs(['--region', REGION, '--project-id', PROJECT, '--store', store, '--json']);
    expect(run.out.map((line) => JSON.parse(line))).toEqual([
      {
        target: `${REGION}/${PROJECT}`,
        job: 'job-running-1',
        name: 'BackupInstance',
        instance: 'nosql-a',
        status: 'Running',
        progress: 40,
        lastChange: new Date(T0 + 600_000).toISOString(),
        pending: 1,
      },
      expect.objectContaining({
        job: 'job-failed-1',
        status: 'Failed',
        progress: null,
        lastChange: new Date(T0 + 95_000).toISOString(),
      }),
    ]);
  });

  it('says so when a target has nothing recorded, and heads each target when there are several', async () => {
    const run = await jobs([
      '--target',
      `${REGION}/${EMPTY_PROJECT}`,
      '--target',
      `${REGION}/${PROJECT}`,
      '--store',
      store,
    ]);
    expect(run.out[0]).toBe(`${REGION}/${EMPTY_PROJECT}:`);
    expect(run.out[1]).toBe(`${REGION}/${PROJECT}:`);
    expect(run.out).toHaveLength(5);
    expect(run.status[0]).toBe(
      `no jobs recorded for ${REGION}/${EMPTY_PROJECT}: run poll on it first (with the same --store)`,
    );
  });

  it('runs from the CLI: exit 0 and the table on stdout', async () => {
    const run = await runCli(['jobs', '--region', REGION, '--project-id', PROJECT, '--store', store]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(
      /^JOB +NAME +INSTANCE +STATUS +PROGRESS +LAST CHANGE +PENDING$/,
    );
    expect(run.stdout).toContain('job-failed-1   RestartInstance  nosql-b   Failed');
    expect(run.stderr).toContain('2 jobs recorded');
  });
});
