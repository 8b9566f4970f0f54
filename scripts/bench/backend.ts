import { localDynamoClient, type RunningDynalite, startDynalite } from '../../local/dynalite';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { ensureTable } from '../../shared/store/table';
import { BENCH_TABLES, BENCH_TOKEN } from './names';
import type { BackendReady, BackendRequest, BackendResponse, FleetSpec } from './protocol';

/**
 * The benchmark's backend, run in its own process so the benchmark's CPU and memory figures are
 * the watcher's alone: the jobs API simulator (paused: a static fleet the benchmark changes by
 * hand) and an in-memory dynalite with one table per strategy.
 */

const DAY_MS = 86_400_000;
const NAMES = [
  'BackupInstance',
  'RestartInstance',
  'ResizeInstance',
  'EnlargeInstanceVolume',
  'CreateInstance',
];

let simulator: Simulator | undefined;
let dynalite: RunningDynalite | undefined;
const running = new Map<string, string[]>();

async function start(fleet: FleetSpec): Promise<BackendReady> {
  const nowMs = Date.now();
  simulator = createSimulator({
    seed: 11,
    token: BENCH_TOKEN,
    projectIds: fleet.projectIds,
    historyJobs: 0,
    runningAtStart: 0,
    jobsPerMinute: 0,
    latencyMs: fleet.latencyMs,
  });
  simulator.pause();
  const sim = simulator;
  for (const [p, projectId] of fleet.projectIds.entries()) {
    const instances = sim.instances(projectId);
    const spanMs = 29.5 * DAY_MS;
    for (let i = 0; i < fleet.jobsPerProject; i++) {
      const startMs = nowMs - 20 * 60_000 - Math.floor(((i + 0.5) / fleet.jobsPerProject) * spanMs);
      const failed = (i * 7 + p) % 13 === 0;
      sim.addJob(projectId, {
        name: NAMES[(i + p) % NAMES.length] ?? 'BackupInstance',
        status: failed ? 'Failed' : 'Completed',
        start_time: formatHuaweiTime(startMs),
        end_time: formatHuaweiTime(startMs + 60_000 + (i % 600) * 1000),
        instance: instances[i % instances.length],
        ...(failed ? { fail_reason: 'Backup timed out.' } : {}),
      });
    }
    const ids: string[] = [];
    for (let i = 0; i < fleet.runningPerProject; i++) {
      const startMs = nowMs - 60_000 - Math.floor((i / Math.max(1, fleet.runningPerProject)) * 7 * 60_000);
      ids.push(
        sim.addJob(projectId, { status: 'Running', start_time: formatHuaweiTime(startMs), progress: '10%' })
          .id,
      );
    }
    running.set(projectId, ids);
  }
  const url = await sim.listen(0);
  dynalite = await startDynalite();
  const client = localDynamoClient(dynalite.endpoint);
  for (const table of Object.values(BENCH_TABLES)) await ensureTable(client, table);
  client.destroy();
  return { simulatorUrl: url, dynamoEndpoint: dynalite.endpoint };
}

function need(): Simulator {
  if (!simulator) throw new Error('backend not started: send start first');
  return simulator;
}

async function handle(request: BackendRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      return start(request.fleet);
    case 'finish': {
      const ids = running.get(request.projectId) ?? [];
      const done = request.ids ? request.ids.filter((id) => ids.includes(id)) : ids.slice(0, request.count);
      running.set(
        request.projectId,
        ids.filter((id) => !done.includes(id)),
      );
      for (const id of done) {
        need().updateJob(request.projectId, id, {
          status: 'Completed',
          progress: '',
          end_time: formatHuaweiTime(request.atMs),
        });
      }
      return done;
    }
    case 'add': {
      const job = need().addJob(request.projectId, {
        status: request.status,
        start_time: formatHuaweiTime(request.startMs),
        ...(request.status === 'Running' ? { progress: '0%' } : {}),
      });
      if (request.status === 'Running') running.get(request.projectId)?.push(job.id);
      return job.id;
    }
    case 'stats':
      return { ...need().stats };
    case 'stop':
      await simulator?.close();
      await dynalite?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: BackendRequest) => {
  handle(message).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies BackendResponse),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      } satisfies BackendResponse),
  );
});
process.on('disconnect', () => process.exit(0));
