import { localDynamoClient } from '../../local/dynalite';
import { DEFAULT_FAST_POLL_SECONDS, DEFAULT_SCHEDULE_SECONDS } from '../../shared/config';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { startBackend } from './backend-client';
import { BENCH_TABLES, benchProjectIds } from './names';
import { pollUntil } from './sleeping';
import { median, round } from './stats';
import { apiFactory, BENCH_OPTIONS, benchTargets, memoryPublisher } from './wiring';

/** Detection latency (job change to event) of one polling mode, over simulated time. */
export interface LatencyResult {
  readonly adaptive: boolean;
  readonly transitions: number;
  readonly medianSeconds: number;
  /** Medians of `started` (a new job: seen at the next scheduled poll) and `completed` events. */
  readonly startedMedianSeconds: number;
  readonly completedMedianSeconds: number;
  readonly p90Seconds: number;
  readonly maxSeconds: number;
  /** Cycles run, and API requests sent, per simulated hour. */
  readonly cyclesPerHour: number;
  readonly apiRequestsPerHour: number;
}

/** A job the scenario starts and later completes (epoch ms offsets from the scenario start). */
interface PlannedJob {
  readonly startOffsetMs: number;
  readonly runMs: number;
}

const SIMULATED_MS = 45 * 60_000;
const JOBS = 30;

/** A small seeded generator, so both modes see the same jobs. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function plan(): PlannedJob[] {
  const random = seeded(42);
  return Array.from({ length: JOBS }, () => ({
    startOffsetMs: Math.floor(random() * (SIMULATED_MS - 6 * 60_000)),
    runMs: Math.floor(20_000 + random() * 280_000),
  }));
}

/**
 * Runs the scheduled poller over 45 simulated minutes on a simulated clock (sleeps pass at once, the
 * cycles' own time counts): a schedule every 60 s, each invocation polling with `pollUntil` until
 * shortly before the next, with adaptive polling on or off. Thirty jobs start and complete at
 * seeded random times; each `started` and `completed` event's detection time minus the change's
 * time is one latency sample.
 */
export async function measureDetectionLatency(adaptive: boolean): Promise<LatencyResult> {
  const [projectId = ''] = benchProjectIds(1);
  const backend = await startBackend({
    projectIds: [projectId],
    jobsPerProject: 100,
    runningPerProject: 0,
    latencyMs: 0,
  });
  const client = localDynamoClient(backend.dynamoEndpoint);
  try {
    const store = new DynamoDbTaskStore({ tableName: BENCH_TABLES.watcher, client });
    const publisher = memoryPublisher();
    let offsetMs = 0;
    const now = () => Date.now() + offsetMs;
    const [target] = benchTargets([projectId], backend.simulatorUrl);
    if (!target) throw new Error('no target');
    const deps = { store, publishers: [publisher], options: BENCH_OPTIONS, now, apiFor: apiFactory() };

    const startMs = now();
    const changes: { atMs: number; apply: () => Promise<void> }[] = [];
    const changedAt = new Map<string, number>();
    for (const job of plan()) {
      const atMs = startMs + 60_000 + job.startOffsetMs;
      let id = '';
      changes.push({
        atMs,
        apply: async () => {
          id = await backend.add(projectId, 'Running', atMs);
          changedAt.set(`started:${id}`, atMs);
        },
      });
      changes.push({
        atMs: atMs + job.runMs,
        apply: async () => {
          await backend.finish(projectId, 0, atMs + job.runMs, [id]);
          changedAt.set(`completed:${id}`, atMs + job.runMs);
        },
      });
    }
    changes.sort((a, b) => a.atMs - b.atMs);
    const advanceTo = async (targetMs: number): Promise<void> => {
      while (changes.length > 0 && (changes[0]?.atMs ?? Number.POSITIVE_INFINITY) <= targetMs) {
        const change = changes.shift();
        if (!change) break;
        if (change.atMs > now()) offsetMs += change.atMs - now();
        await change.apply();
      }
      if (targetMs > now()) offsetMs += targetMs - now();
    };

    let cycles = 0;
    let apiRequests = 0;
    const scheduleMs = DEFAULT_SCHEDULE_SECONDS * 1000;
    for (let tickMs = startMs; tickMs < startMs + SIMULATED_MS + 10 * 60_000; tickMs += scheduleMs) {
      await advanceTo(tickMs);
      const result = await pollUntil(deps, [target], {
        concurrency: 1,
        untilMs: tickMs + scheduleMs - 2_000,
        fastPollSeconds: adaptive ? DEFAULT_FAST_POLL_SECONDS : 0,
        sleep: (ms) => advanceTo(now() + ms),
      });
      cycles += result.reports.length;
      apiRequests += result.reports.reduce((sum, report) => sum + report.apiRequests, 0);
    }

    const samples: number[] = [];
    const byKind = new Map<string, number[]>();
    for (const event of publisher.events) {
      const kind = event.type.split('.').pop() ?? '';
      const at = changedAt.get(`${kind}:${event.subject}`);
      if (at === undefined) continue;
      const seconds = (Date.parse(event.time) - at) / 1000;
      samples.push(seconds);
      byKind.set(kind, [...(byKind.get(kind) ?? []), seconds]);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const hours = (SIMULATED_MS + 10 * 60_000) / 3_600_000;
    return {
      adaptive,
      transitions: samples.length,
      medianSeconds: round(median(samples)),
      startedMedianSeconds: round(median(byKind.get('started') ?? [])),
      completedMedianSeconds: round(median(byKind.get('completed') ?? [])),
      p90Seconds: round(sorted[Math.floor(sorted.length * 0.9)] ?? 0),
      maxSeconds: round(sorted[sorted.length - 1] ?? 0),
      cyclesPerHour: round(cycles / hours),
      apiRequestsPerHour: round(apiRequests / hours),
    };
  } finally {
    client.destroy();
    await backend.stop();
  }
}
