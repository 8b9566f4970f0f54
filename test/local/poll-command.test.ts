import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePollCommand, runPoll } from '../../local/poll-command';
import { SinkPathError } from '../../local/preflight';
import { createSimulator, type Simulator } from '../../local/simulator/server';

const TOKEN = 'idle-test-token-5b7d';
const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const OTHER_PROJECT = '7f3c2b1a9e8d4c5b6a7f8e9d0c1b2a3f';
let simulator: Simulator;
let url: string;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 9,
    token: TOKEN,
    projectIds: [PROJECT, OTHER_PROJECT],
    historyJobs: 3,
    runningAtStart: 0,
  });
  simulator.pause();
  url = await simulator.listen(0);
});
const dir = mkdtempSync(join(tmpdir(), 'poll-command-'));
afterAll(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('poll --interval', () => {
  /** Runs the poll loop for two rounds (a baseline, then an idle cycle) and returns its status lines. */
  async function twoRounds(...flags: string[]): Promise<string[]> {
    const status: string[] = [];
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let rounds = 0;
    const command = parsePollCommand(
      [
        '--interval',
        '1',
        '--endpoint',
        url,
        '--region',
        'ap-southeast-1',
        '--project-id',
        PROJECT,
        '--store',
        'dynalite',
        ...flags,
      ],
      {},
    );
    const code = await runPoll(command, {
      env: { HUAWEICLOUD_AUTH_TOKEN: TOKEN },
      status: (line) => status.push(line),
      out: () => {},
      stopped,
      onRound: () => {
        rounds += 1;
        if (rounds === 2) stop();
      },
    });
    expect(code).toBe(0);
    return status;
  }

  it('prints a short status line for an idle cycle, so a watcher can tell it is alive', async () => {
    const status = await twoRounds();
    expect(status).toHaveLength(3);
    expect(status[1]).toMatch(
      /^cycle ap-southeast-1\/0549b4a43100d4f32f51c01c2fe4acdb: done, \d+ jobs in window, baseline of/,
    );
    expect(status[2]).toMatch(
      /^\d{2}:\d{2}:\d{2} ap-southeast-1\/0549b4a4…: idle, \d+ jobs in window, 1 API request, \d+ ms$/,
    );
  });

  it('prints no cycle line with --quiet', async () => {
    const status = await twoRounds('--quiet');
    expect(status).toEqual([expect.stringMatching(/^watching /)]);
  });
});

describe('runPoll at start', () => {
  it('refuses a jsonl sink that is a directory before any cycle, instead of an error per event', async () => {
    const status: string[] = [];
    const command = parsePollCommand(
      [
        '--once',
        '--endpoint',
        url,
        '--region',
        'ap-southeast-1',
        '--project-id',
        PROJECT,
        '--store',
        'dynalite',
        '--announce-baseline',
        '--sink',
        `jsonl:${dir}`,
      ],
      {},
    );
    const run = runPoll(command, {
      env: { HUAWEICLOUD_AUTH_TOKEN: TOKEN },
      status: (line) => status.push(line),
    });
    await expect(run).rejects.toThrow(SinkPathError);
    await expect(run).rejects.toThrow(`--sink jsonl:${dir}: ${dir} is a directory; name a file in it`);
    expect(status).toEqual([]);
  });
});

describe('poll --once with a record the API sends broken', () => {
  it('prints one warning line naming it on stderr, publishes the rest, and exits 0', async () => {
    const status: string[] = [];
    const out: string[] = [];
    const jobs = simulator.jobs(PROJECT);
    const odd = jobs[0];
    simulator.injectNext({
      status: 200,
      body: JSON.stringify({
        total_count: jobs.length,
        jobs: jobs.map((job) => (job.id === odd?.id ? { ...job, instance: 'nosql-12f5' } : job)),
      }),
    });
    const command = parsePollCommand(
      ['--once', '--endpoint', url, '--region', 'ap-southeast-1', '--project-id', PROJECT],
      {},
    );
    const code = await runPoll(
      { ...command, store: { kind: 'dynalite' }, settings: { ...command.settings, announceBaseline: true } },
      {
        env: { HUAWEICLOUD_AUTH_TOKEN: TOKEN },
        status: (line) => status.push(line),
        out: (line) => out.push(line),
      },
    );
    expect(code).toBe(0);
    expect(status.filter((line) => line.startsWith('warning:'))).toEqual([
      `warning: target ap-southeast-1/${PROJECT}: left out job ${odd?.id}: instance: expected an object like {"id": "...", "name": "..."}, got "nosql-12f5" (it does not fit the jobs API document; the other jobs go on)`,
    ]);
    expect(status.filter((line) => line.startsWith('error:'))).toEqual([]);
    // Every other job is announced; the odd one too when a later scan of the same poll lists it whole.
    expect([jobs.length - 1, jobs.length]).toContain(out.length);
  });
});

describe('poll with several targets on the console', () => {
  it('names the target at the start of every event, and wraps events to the columns given', async () => {
    const out: string[] = [];
    const command = parsePollCommand(
      [
        '--once',
        '--target',
        `ap-southeast-1/${PROJECT}@${url}`,
        '--target',
        `ap-southeast-1/${OTHER_PROJECT}@${url}`,
      ],
      {},
    );
    const code = await runPoll(
      { ...command, store: { kind: 'dynalite' }, settings: { ...command.settings, announceBaseline: true } },
      {
        env: { HUAWEICLOUD_AUTH_TOKEN: TOKEN },
        status: () => {},
        out: (line) => out.push(line),
        columns: 80,
      },
    );
    expect(code).toBe(0);
    expect(out.length).toBeGreaterThan(0);
    for (const line of out) {
      expect(line).toMatch(/^\d\d:\d\d:\d\d ap-southeast-1\/(0549b4a4|7f3c2b1a)… \S+ +\S+ on\b/);
      for (const row of line.split('\n')) expect([...row].length).toBeLessThanOrEqual(80);
    }
    expect(out.some((line) => line.includes('/0549b4a4… '))).toBe(true);
    expect(out.some((line) => line.includes('/7f3c2b1a… '))).toBe(true);
  });

  it('leaves the target out when one is watched', async () => {
    const out: string[] = [];
    const command = parsePollCommand(
      ['--once', '--endpoint', url, '--region', 'ap-southeast-1', '--project-id', OTHER_PROJECT],
      {},
    );
    await runPoll(
      { ...command, store: { kind: 'dynalite' }, settings: { ...command.settings, announceBaseline: true } },
      { env: { HUAWEICLOUD_AUTH_TOKEN: TOKEN }, status: () => {}, out: (line) => out.push(line) },
    );
    expect(out.length).toBeGreaterThan(0);
    expect(out.filter((line) => line.includes('ap-southeast-1/'))).toEqual([]);
  });
});
