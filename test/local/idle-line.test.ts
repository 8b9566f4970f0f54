import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idleLine } from '../../local/idle-line';
import { parsePollCommand, runPoll } from '../../local/poll-command';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import type { CycleReport } from '../../shared/cycle';

const TOKEN = 'idle-test-token-5b7d';
const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
let simulator: Simulator;
let url: string;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 9,
    token: TOKEN,
    projectIds: [PROJECT],
    historyJobs: 3,
    runningAtStart: 0,
  });
  simulator.pause();
  url = await simulator.listen(0);
});
afterAll(() => simulator.close());

describe('idleLine', () => {
  it.each([
    [PROJECT, 1, '12:00:01 ap-southeast-1/0549b4a4…: idle, 37 jobs in window, 1 API request, 40 ms'],
    ['proj-1', 2, '12:00:01 ap-southeast-1/proj-1: idle, 37 jobs in window, 2 API requests, 40 ms'],
  ])('says the time, the target, the window and the cost for project %s', (projectId, apiRequests, line) => {
    const cycle = {
      target: { region: 'ap-southeast-1', projectId },
      outcome: 'idle',
      fetchedJobs: 37,
      apiRequests,
      durationMs: 40,
    } as CycleReport;
    expect(idleLine(cycle, new Date('2026-12-02T12:00:01.500Z'))).toBe(line);
  });
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
