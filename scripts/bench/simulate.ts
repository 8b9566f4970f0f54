import { localDynamoClient } from '../../local/dynalite';
import { DEFAULT_FAST_POLL_SECONDS, DEFAULT_SCHEDULE_SECONDS } from '../../shared/config';
import { type CycleReport, ScanKind } from '../../shared/cycle/cycle';
import { pollAll } from '../../shared/cycle/poll-all';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { type PollRequest, pollRequests, subTickDelays, Trigger } from '../../shared/sub-tick';
import type { Backend } from './backend-client';
import { BENCH_TABLES } from './names';
import { ASSUMPTIONS } from './prices';
import { pollUntil } from './sleeping';
import { apiFactory, BENCH_OPTIONS, benchTargets, memoryPublisher } from './wiring';

/** The polling designs the bench prices side by side. */
export const Design = {
  /** One poll per schedule tick (`fastPollSeconds: 0`). */
  None: 'none',
  /** The invocation stays alive and polls targets with running jobs every `fastPollSeconds` (before issue 13). */
  Sleeping: 'sleeping',
  /** Each tick sends its interval's sub-ticks in one SQS batch; they poll targets with open jobs (shared/sub-tick.ts). */
  SubTick: 'sub-tick',
} as const;
export type Design = (typeof Design)[keyof typeof Design];

/** A job the scenario starts and later completes (ms from the scenario's first job slot). */
export interface PlannedJob {
  readonly startOffsetMs: number;
  readonly runMs: number;
}

/** One Lambda invocation as the bench saw it. */
export interface Invocation {
  /** What invoked it: the schedule, or a sub-tick message. */
  readonly kind: 'tick' | 'sub-tick';
  /** When it started, ms from the first job slot (the baseline tick is at -60 000). */
  readonly atMs: number;
  readonly transitions: number;
  /** Cycles of it that scanned the whole window (the baseline and the periodic resyncs). */
  readonly fullScans: number;
  readonly apiRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** SQS requests it caused: the batch of sub-ticks it sent, and the receive and delete of the one it was given. */
  readonly sqsRequests: number;
  /** Wall time in this process (the backend runs in its own), virtual sleeps included. */
  readonly wallMs: number;
  /** CPU time of this process during the invocation. */
  readonly cpuMs: number;
  /** Jobs API requests whose round trip the wall time does not contain (the simulator answers at once). */
  readonly apiRequestsToAdd: number;
}

/** What one design did over one scenario: the counts the cost model prices, and detection latency. */
export interface SimulationResult {
  readonly design: Design;
  /** Simulated time the counts cover. */
  readonly spanMs: number;
  readonly invocations: readonly Invocation[];
  readonly cycles: number;
  readonly apiRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** SQS requests that sent sub-ticks, and sub-tick messages delivered. */
  readonly subTickBatchesSent: number;
  readonly subTicksDelivered: number;
  /** Seconds from each job's start or end to its event. */
  readonly samples: readonly { readonly kind: 'started' | 'completed'; readonly seconds: number }[];
}

/** The schedule and the fast poll the scenarios run with: the construct's defaults. */
export const SCHEDULE_MS = DEFAULT_SCHEDULE_SECONDS * 1000;
export const FAST_POLL_SECONDS = DEFAULT_FAST_POLL_SECONDS;
/** Simulated time after the last planned change, so every change is seen. */
const TAIL_MS = 5 * 60_000;

/**
 * Runs one design over a scenario on a simulated clock (sleeps and message delays pass at once; the
 * cycles' own time counts): a schedule tick every 60 s from the start (the first one records the
 * baseline), the planned jobs starting and completing from 60 s on, and, for the sub-tick design,
 * each tick's sub-ticks delivered at their delays. Every figure is counted as the Lambda would be
 * billed for it.
 */
export async function simulate(
  backend: Backend,
  projectId: string,
  design: Design,
  plan: readonly PlannedJob[],
): Promise<SimulationResult> {
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
    let lastChangeMs = startMs;
    for (const job of plan) {
      const atMs = startMs + 60_000 + job.startOffsetMs;
      const endMs = atMs + job.runMs;
      lastChangeMs = Math.max(lastChangeMs, endMs);
      let id = '';
      changes.push({
        atMs,
        apply: async () => {
          id = await backend.add(projectId, 'Running', atMs);
          changedAt.set(`started:${id}`, atMs);
        },
      });
      changes.push({
        atMs: endMs,
        apply: async () => {
          await backend.finish(projectId, 0, endMs, [id]);
          changedAt.set(`completed:${id}`, endMs);
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
    const endMs = lastChangeMs + TAIL_MS;

    const invocations: Invocation[] = [];
    const counts = {
      cycles: 0,
      apiRequests: 0,
      readUnits: 0,
      writeUnits: 0,
      sent: 0,
      transitions: 0,
      fullScans: 0,
    };
    const firstSlotMs = startMs + 60_000;
    let delivered = 0;
    const count = (reports: readonly CycleReport[]) => {
      for (const report of reports) {
        counts.cycles += 1;
        counts.transitions += Object.values(report.transitions).reduce((sum, n) => sum + (n ?? 0), 0);
        if (report.scanKind === ScanKind.Full) counts.fullScans += 1;
        counts.apiRequests += report.apiRequests;
        counts.readUnits += report.ddbReadUnits;
        counts.writeUnits += report.ddbWriteUnits;
      }
      return reports.reduce((sum, report) => sum + report.apiRequests, 0);
    };
    const invoke = async (kind: Invocation['kind'], work: () => Promise<number>): Promise<void> => {
      const deliveries = kind === 'sub-tick' ? 1 : 0;
      const before = { ...counts };
      const cpuBefore = process.cpuUsage();
      const virtualBefore = now();
      const apiRequestsToAdd = await work();
      const cpu = process.cpuUsage(cpuBefore);
      invocations.push({
        kind,
        atMs: virtualBefore - firstSlotMs,
        transitions: counts.transitions - before.transitions,
        fullScans: counts.fullScans - before.fullScans,
        apiRequests: counts.apiRequests - before.apiRequests,
        readUnits: counts.readUnits - before.readUnits,
        writeUnits: counts.writeUnits - before.writeUnits,
        sqsRequests: counts.sent - before.sent + deliveries * ASSUMPTIONS.sqsRequestsPerDelivery,
        wallMs: now() - virtualBefore,
        cpuMs: (cpu.user + cpu.system) / 1000,
        apiRequestsToAdd,
      });
    };

    // The sub-tick queue: messages become visible at their delay; delivered in time order.
    const queue: number[] = [];
    const delays = subTickDelays(SCHEDULE_MS / 1000, FAST_POLL_SECONDS);
    const polled = async (request: PollRequest) => {
      const result = await pollRequests(deps, [request], { concurrency: 1 });
      if (result.failures.length > 0) throw result.failures[0]?.error;
      return count(result.reports);
    };

    for (let tickMs = startMs; tickMs < endMs; ) {
      const next = queue[0];
      if (design === Design.SubTick && next !== undefined && next < tickMs) {
        queue.shift();
        await advanceTo(next);
        delivered += 1;
        await invoke('sub-tick', () => polled({ target, trigger: Trigger.SubTick }));
        continue;
      }
      await advanceTo(tickMs);
      if (design === Design.SubTick) {
        await invoke('tick', () => {
          // One SendMessageBatch per tick, at its start.
          counts.sent += 1;
          queue.push(...delays.map((delay) => tickMs + delay * 1000));
          return polled({ target, trigger: Trigger.Tick });
        });
      } else if (design === Design.None) {
        await invoke('tick', async () => {
          const result = await pollAll(deps, [target], { concurrency: 1 });
          if (result.failures.length > 0) throw result.failures[0]?.error;
          return count(result.reports);
        });
      } else {
        await invoke('tick', async () => {
          let lastRound = 0;
          const result = await pollUntil(deps, [target], {
            concurrency: 1,
            untilMs: tickMs + SCHEDULE_MS - 2_000,
            fastPollSeconds: FAST_POLL_SECONDS,
            sleep: (ms) => advanceTo(now() + ms),
            onRound: (round) => {
              lastRound = round.reports.reduce((sum, report) => sum + report.apiRequests, 0);
            },
          });
          if (result.failures.length > 0) throw result.failures[0]?.error;
          count(result.reports);
          // Rounds start every fastPollSeconds whatever their requests take: only the last one's add.
          return lastRound;
        });
      }
      tickMs += SCHEDULE_MS;
    }

    const samples: { kind: 'started' | 'completed'; seconds: number }[] = [];
    for (const event of publisher.events) {
      const kind = event.type.split('.').pop();
      if (kind !== 'started' && kind !== 'completed') continue;
      const at = changedAt.get(`${kind}:${event.subject}`);
      if (at !== undefined) samples.push({ kind, seconds: (Date.parse(event.time) - at) / 1000 });
    }
    return {
      design,
      spanMs: endMs - startMs,
      invocations,
      cycles: counts.cycles,
      apiRequests: counts.apiRequests,
      readUnits: counts.readUnits,
      writeUnits: counts.writeUnits,
      subTickBatchesSent: counts.sent,
      subTicksDelivered: delivered,
      samples,
    };
  } finally {
    client.destroy();
  }
}
