import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { openStore } from '../../local/wiring';
import type { JobEvent } from '../../shared/job-event';
import { runCli } from '../support/cli';
import { assertValidEvent } from '../support/event-schema';

const TOKEN = 'cli-test-token-4f1c9a';
const PROJECT = 'clitestproject0001';
let simulator: Simulator;
let url: string;
let dir: string;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 3,
    token: TOKEN,
    projectIds: [PROJECT],
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  url = await simulator.listen(0);
  dir = await mkdtemp(join(tmpdir(), 'watcher-cli-'));
});

afterAll(async () => {
  await simulator.close();
  await rm(dir, { recursive: true, force: true });
});

const pollArgs = (store: string, ...more: string[]) => [
  'poll',
  '--once',
  '--endpoint',
  url,
  '--region',
  'ap-southeast-1',
  '--project-id',
  PROJECT,
  '--store',
  store,
  ...more,
];

describe('cli', () => {
  it('documents the whole contract with --help and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const text of [
      'poll',
      '--once',
      '--interval',
      '--endpoint',
      '--region',
      '--project-id',
      '--store',
      '--sink',
    ]) {
      expect(run.stdout).toContain(text);
    }
    expect(run.stdout).toContain('dynalite:DIR');
    expect(run.stdout).toContain('jsonl:PATH');
    expect(run.stdout).toContain('sns:TOPIC_ARN');
    expect(run.stdout).toContain('simulate');
  });

  it('records a baseline, then publishes one transition to the jsonl sink, across two poll --once runs', async () => {
    const job = simulator.addJob(PROJECT, {
      name: 'BackupInstance',
      start_time: formatHuaweiTime(Date.now() - 120_000),
    });
    const store = `dynalite:${join(dir, 'state')}`;
    const events = join(dir, 'events.jsonl');
    const env = { HUAWEICLOUD_AUTH_TOKEN: TOKEN };

    const first = await runCli(pollArgs(store, '--sink', `jsonl:${events}`), env);
    expect(first.stderr).toMatch(/baseline of 1 jobs/);
    expect(first.code).toBe(0);
    await expect(readFile(events, 'utf8')).rejects.toThrow(/ENOENT/);

    simulator.updateJob(PROJECT, job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(Date.now()),
    });
    const second = await runCli(pollArgs(store, '--sink', `jsonl:${events}`), env);
    expect(second.code).toBe(0);
    const lines = (await readFile(events, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0] ?? '') as JobEvent;
    assertValidEvent(event);
    expect(event).toMatchObject({
      type: 'com.huaweicloud.geminidb.job.completed',
      subject: job.id,
      data: { previous_status: 'Running', project_id: PROJECT },
    });

    const third = await runCli(pollArgs(store, '--sink', `jsonl:${events}`), env);
    expect(third.code).toBe(0);
    expect((await readFile(events, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 with one line naming the target, step and Huawei code when the token is refused', async () => {
    const run = await runCli(pollArgs('dynalite'), { HUAWEICLOUD_AUTH_TOKEN: 'wrong-token-value-9d2e' });
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`target ap-southeast-1/${PROJECT}: fetch failed: .*401.*APIG\\.0301`),
    );
    expect(run.stdout + run.stderr).not.toContain('wrong-token-value-9d2e');
  });

  it('exits 2 with one line naming the holder when another process has the dynalite:DIR store open', async () => {
    const path = join(dir, 'held');
    const held = await openStore({ kind: 'dynalite', dir: path });
    try {
      const run = await runCli([
        'jobs',
        '--region',
        'ap-southeast-1',
        '--project-id',
        PROJECT,
        '--store',
        `dynalite:${path}`,
      ]);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toBe(
        `error: --store dynalite:${path}: the store is in use by another process (pid ${process.pid}); stop it, or give this command another --store dynalite:DIR\n`,
      );
    } finally {
      await held.close();
    }
  });

  it.concurrent.each([
    [['poll', '--once', '--project-id', PROJECT], /--region is required/],
    [
      ['poll', '--once', '--region', 'ap-southeast-1', '--project-id', PROJECT, '--sink', 'kafka:x'],
      /--sink: "kafka:x" is not a sink/,
    ],
    [
      ['poll', '--once', '--region', 'ap-southeast-1', '--project-id', PROJECT, '--page-size', '30'],
      /--page-size/,
    ],
    [
      ['poll', '--once', '--region', 'ap-southeast-1', '--project-id', PROJECT, '--store', 'redis'],
      /--store: "redis"/,
    ],
    [['poll', '--bogus'], /poll: unknown flag --bogus \(the flags are --once, /],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('exits 2 with a clear line for a usage or config error: %j', async (args, message) => {
    const run = await runCli(args, { HUAWEICLOUD_AUTH_TOKEN: TOKEN });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
