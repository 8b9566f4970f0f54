import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseReplayCommand,
  parseReplayTime,
  replayEventCells,
  runReplay,
} from '../../../local/commands/replay';
import { SinkPathError } from '../../../local/preflight';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { UsageError } from '../../../local/specs';
import { pollTarget } from '../../../shared/cycle/cycle';
import type { JobEvent } from '../../../shared/job-event';
import type { DynamoDbTaskStore } from '../../../shared/store/dynamodb-store';
import { runCli } from '../../support/cli';
import { collectingPublisher } from '../../support/collecting-publisher';
import { assertValidEvent } from '../../support/event-schema';
import { useWatcherWorld } from '../../support/watcher-world';

const world = useWatcherWorld();
const dir = mkdtempSync(join(tmpdir(), 'replay-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW_MS = Date.parse('2026-11-30T12:00:00.000Z');
const BASE = ['--region', 'ap-southeast-1', '--project-id', 'p1'];

describe('parseReplayTime', () => {
  it.each<[string, number]>([
    ['90s', NOW_MS - 90_000],
    ['30m', NOW_MS - 30 * 60_000],
    ['2h', NOW_MS - 2 * 3_600_000],
    ['1d', NOW_MS - 86_400_000],
    ['2026-11-30T01:00:00Z', Date.parse('2026-11-30T01:00:00Z')],
    ['2026-11-30T09:00:00+08:00', Date.parse('2026-11-30T01:00:00Z')],
  ])('reads %s', (value, expected) => {
    expect(parseReplayTime('--since', value, NOW_MS)).toBe(expected);
  });

  it.each(['yesterday', '2h30m', '2026-11-30T01:00:00', '-2h', ''])(
    'refuses %j naming the flag and the forms',
    (value) => {
      expect(() => parseReplayTime('--since', value, NOW_MS)).toThrow(/--since: .* ISO 8601 .*30m, 2h, 1d/);
    },
  );
});

describe('parseReplayCommand', () => {
  it('reads the window, job, store, sinks and dry run, with defaults', () => {
    expect(parseReplayCommand([...BASE, '--since', '2h'], {}, NOW_MS)).toEqual({
      target: { region: 'ap-southeast-1', projectId: 'p1' },
      sinceMs: NOW_MS - 7_200_000,
      store: { kind: 'dynalite', dir: '.data/dynalite' },
      sinks: [{ kind: 'console' }],
      dryRun: false,
    });
    expect(
      parseReplayCommand(
        [
          ...BASE,
          '--since',
          '2h',
          '--until',
          '1h',
          '--job',
          'j1',
          '--store',
          'dynamodb:tbl',
          '--sink',
          'jsonl:x.jsonl',
          '--dry-run',
        ],
        {},
        NOW_MS,
      ),
    ).toMatchObject({
      untilMs: NOW_MS - 3_600_000,
      jobId: 'j1',
      store: { kind: 'dynamodb', table: 'tbl' },
      sinks: [{ kind: 'jsonl', path: 'x.jsonl' }],
      dryRun: true,
    });
  });

  it('takes the target from the environment', () => {
    const command = parseReplayCommand(['--since', '1d'], {
      HUAWEICLOUD_SDK_REGION: 'eu-west-101',
      HUAWEICLOUD_SDK_PROJECT_ID: 'p9',
    });
    expect(command.target).toEqual({ region: 'eu-west-101', projectId: 'p9' });
  });

  it.each<[string[], RegExp]>([
    [BASE, /--since is required/],
    [['--since', '1h', '--project-id', 'p1'], /--region is required/],
    [[...BASE, '--since', '1h', '--until', '2h'], /--until: .* not after --since/],
    [[...BASE, '--since', '1h', '--sink', 'ftp:x'], /--sink/],
    [[...BASE, '--since', '1h', '--bogus'], /replay: .*bogus/],
  ])('refuses %j', (args, message) => {
    expect(() => parseReplayCommand(args, {}, NOW_MS)).toThrow(UsageError);
    expect(() => parseReplayCommand(args, {}, NOW_MS)).toThrow(message);
  });
});

/** Runs cycles on a fresh project so the store has history; returns what the cycles published. */
async function recordedWorld() {
  let nowMs = Date.parse('2026-11-30T01:00:00.000Z');
  const fresh = await world.fresh({}, () => nowMs);
  const { deps, target, projectId } = fresh;
  await pollTarget(deps, target);
  const backup = world.simulator.addJob(projectId, {
    name: 'BackupInstance',
    start_time: formatHuaweiTime(nowMs),
  });
  const resize = world.simulator.addJob(projectId, {
    name: 'ResizeInstance',
    start_time: formatHuaweiTime(nowMs),
  });
  nowMs += 60_000;
  await pollTarget(deps, target);
  world.simulator.updateJob(projectId, backup.id, {
    status: 'Completed',
    progress: '',
    end_time: formatHuaweiTime(nowMs),
  });
  world.simulator.updateJob(projectId, resize.id, {
    status: 'Failed',
    progress: '',
    end_time: formatHuaweiTime(nowMs),
    fail_reason: 'Insufficient resources.',
  });
  nowMs += 60_000;
  await pollTarget(deps, target);
  return { ...fresh, backup, resize, published: fresh.publisher.events };
}

function storeOpener(store: DynamoDbTaskStore) {
  return async () => ({ store, close: async () => {} });
}

describe('runReplay', () => {
  it('re-publishes the recorded events to a JSONL sink under their original ids, in order', async () => {
    const { store, target, published } = await recordedWorld();
    expect(published).toHaveLength(4);
    const path = join(dir, 'replayed.jsonl');
    const status: string[] = [];
    const code = await runReplay(
      {
        target,
        sinceMs: Date.parse('2026-11-30T00:00:00.000Z'),
        store: { kind: 'dynalite' },
        sinks: [{ kind: 'jsonl', path }],
        dryRun: false,
      },
      { out: () => {}, status: (line) => status.push(line), openStore: storeOpener(store) },
    );
    expect(code).toBe(0);
    const replayed = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JobEvent);
    const key = (event: JobEvent) => [event.time, event.id, event.type, event.subject];
    expect(replayed.map(key)).toEqual(
      [...published].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id)).map(key),
    );
    expect(replayed).toEqual(expect.arrayContaining(published));
    for (const event of replayed) assertValidEvent(event);
    expect(status).toEqual([`replayed 4 events of 2 jobs since 2026-11-30T00:00:00.000Z to jsonl ${path}`]);
  });

  it('replays only the window and the job asked for', async () => {
    const { store, target, backup } = await recordedWorld();
    const sink = collectingPublisher();
    const status: string[] = [];
    const code = await runReplay(
      {
        target,
        sinceMs: Date.parse('2026-11-30T01:01:30.000Z'),
        untilMs: Date.parse('2026-11-30T02:00:00.000Z'),
        jobId: backup.id,
        store: { kind: 'dynalite' },
        sinks: [{ kind: 'console' }],
        dryRun: false,
      },
      {
        out: () => {},
        status: (line) => status.push(line),
        openStore: storeOpener(store),
        openSinks: () => [sink],
      },
    );
    expect(code).toBe(0);
    expect(sink.events.map((event) => [event.subject, event.type])).toEqual([
      [backup.id, 'com.huaweicloud.geminidb.job.completed'],
    ]);
    expect(status[0]).toMatch(
      /^replayed 1 event of 1 job since .* until 2026-11-30T02:00:00.000Z to console$/,
    );
  });

  it('lists the events in aligned columns without opening a sink on a dry run', async () => {
    const { store, target, published } = await recordedWorld();
    const out: string[] = [];
    const status: string[] = [];
    const code = await runReplay(
      { target, sinceMs: 0, store: { kind: 'dynalite' }, sinks: [{ kind: 'console' }], dryRun: true },
      {
        out: (line) => out.push(line),
        status: (line) => status.push(line),
        openStore: storeOpener(store),
        openSinks: () => {
          throw new Error('a dry run opened a sink');
        },
      },
    );
    expect(code).toBe(0);
    expect(out).toHaveLength(4);
    const rows = out.map((line) => line.split(/ {2,}/));
    expect(rows).toEqual(expect.arrayContaining(published.map(replayEventCells)));
    // Aligned: each column starts at the same offset on every line.
    const starts = out.map((line, index) => {
      let from = 0;
      return (rows[index] ?? []).map((cell) => {
        from = line.indexOf(cell, from);
        return from;
      });
    });
    for (const line of starts) expect(line).toEqual(starts[0]);
    expect(status).toEqual([expect.stringMatching(/^would replay 4 events of 2 jobs since .*dry run/)]);
  });

  it('refuses a jsonl sink that is a directory before reading the store, unless it is a dry run', async () => {
    const command = {
      target: { region: 'r', projectId: 'p' },
      sinceMs: 0,
      store: { kind: 'dynalite' as const },
    };
    const opened: string[] = [];
    const openStore = async () => {
      opened.push('store');
      return { store: { listEvents: async () => [] }, close: async () => {} };
    };
    const sinks = [{ kind: 'jsonl' as const, path: dir }];
    await expect(
      runReplay({ ...command, sinks, dryRun: false }, { out: () => {}, status: () => {}, openStore }),
    ).rejects.toThrow(SinkPathError);
    expect(opened).toEqual([]);
    await expect(
      runReplay({ ...command, sinks, dryRun: true }, { out: () => {}, status: () => {}, openStore }),
    ).resolves.toBe(0);
  });

  it('exits 1 naming the event and sink when a sink refuses, and still offers every event to the others', async () => {
    const { store, target } = await recordedWorld();
    const down = collectingPublisher('down');
    const up = collectingPublisher('up');
    down.failNext(1);
    const status: string[] = [];
    const code = await runReplay(
      {
        target,
        sinceMs: 0,
        store: { kind: 'dynalite' },
        sinks: [{ kind: 'jsonl', path: join(dir, 'down.jsonl') }, { kind: 'console' }],
        dryRun: false,
      },
      {
        out: () => {},
        status: (line) => status.push(line),
        openStore: storeOpener(store),
        openSinks: () => [down, up],
      },
    );
    expect(code).toBe(1);
    expect(up.events).toHaveLength(4);
    expect(down.events).toHaveLength(3);
    expect(status[0]).toMatch(/^error: event [0-9a-f-]{36}: sink jsonl .*down\.jsonl: down sink is down$/);
    expect(status.at(-1)).toMatch(/; 1 publish refused$/);
  });
});

describe('replay on the command line', () => {
  it('lists nothing from an empty store and exits 0, and exits 2 on a bad --since', async () => {
    const run = await runCli(['replay', ...BASE, '--since', '2h', '--store', 'dynalite', '--dry-run']);
    expect(run.stderr).toMatch(
      /^would replay 0 events of 0 jobs since \d{4}-.*Z \(dry run: nothing published\)\n$/,
    );
    expect(run).toMatchObject({ code: 0, stdout: '' });
    const bad = await runCli(['replay', ...BASE, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --since: "yesterday" is not a time/);
  });
});
