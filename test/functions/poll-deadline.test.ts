import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPollHandler, type PollSummary } from '../../functions/poll-handler';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { createTokenAuthenticator } from '../../shared/auth/token';
import { lambdaSettingsFromEnv } from '../../shared/config';
import { createJobsClient } from '../../shared/jobs/http-client';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import type { Target } from '../../shared/target';
import { collectingPublisher } from '../support/collecting-publisher';
import { useDynalite } from '../support/dynalite';

// One hundred targets whose first invocation runs out of time in the middle of their baselines:
// the next invocation finishes them without announcing an old job, and every later change is
// published once. The clock is the test's: each reading moves it on, so the cut comes at the same
// point of the work however fast the machine is.
const TOKEN = 'deadline-token';
const TARGETS = 100;
const JOBS_PER_TARGET = 12;
const MS_PER_CLOCK_READING = 100;

const dynalite = useDynalite();
let simulator: Simulator;
const projectIds = Array.from({ length: TARGETS }, (_, index) => `deadline${String(index).padStart(3, '0')}`);

beforeAll(async () => {
  simulator = createSimulator({ seed: 5, token: TOKEN, projectIds, historyJobs: 0, runningAtStart: 0 });
  simulator.pause();
  await simulator.listen(0);
});
afterAll(async () => {
  await simulator.close();
});

function context(remainingMs: () => number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'GeminiDbJobWatcher-Poll',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:123456789012:function:GeminiDbJobWatcher-Poll',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/GeminiDbJobWatcher-Poll',
    logStreamName: '2026/12/02/[$LATEST]abc',
    getRemainingTimeInMillis: remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

describe('poll handler with a deadline that cuts a 100-target baseline', () => {
  it('leaves state the next invocation finishes: no job announced twice, none lost', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const targets: Target[] = projectIds.map((projectId) => ({
      region: 'ap-southeast-1',
      projectId,
      endpoint: simulator.url ?? '',
    }));
    for (const { projectId } of targets) {
      for (let index = 0; index < JOBS_PER_TARGET; index++) {
        simulator.addJob(projectId, {
          status: index === 0 ? 'Running' : 'Completed',
          start_time: formatHuaweiTime(Date.now() - (index + 2) * 60_000),
        });
      }
    }
    let fakeMs = Date.now();
    const now = () => (fakeMs += MS_PER_CLOCK_READING);
    const store = new DynamoDbTaskStore({ tableName: await dynalite.freshTable(), client: dynalite.client });
    const publisher = collectingPublisher();
    const apis = new Map(
      targets.map((target) => [
        target.projectId,
        createJobsClient({
          endpoint: target.endpoint ?? '',
          projectId: target.projectId,
          auth: createTokenAuthenticator(TOKEN),
        }),
      ]),
    );
    const handler = createPollHandler({
      settings: lambdaSettingsFromEnv({ WATCHER_FAST_POLL_SECONDS: '0', WATCHER_LEASE_SECONDS: '60' }),
      store,
      publishers: [publisher],
      apiFor: (target) => apis.get(target.projectId) ?? Promise.reject(new Error('no api')),
      logger: new Logger({ serviceName: 'test' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
      allowedEndpoints: [simulator.url ?? ''],
      minRemainingMs: 1_000,
      now,
    });
    const invoke = (budgetMs: number): Promise<PollSummary> => {
      const endMs = fakeMs + budgetMs;
      return handler(
        { targets },
        context(() => endMs - fakeMs),
      );
    };
    const cursors = () => Promise.all(targets.map((target) => store.getCursor(target)));

    // 1. The deadline falls in the middle of the baselines.
    await invoke(120_000);
    const afterCut = await cursors();
    const untouched = afterCut.filter((cursor) => cursor === null).length;
    const cut = afterCut.filter((cursor) => cursor !== null && !cursor.baselineDone).length;
    const done = afterCut.filter((cursor) => cursor?.baselineDone).length;
    expect(done).toBeGreaterThan(0);
    expect(cut).toBeGreaterThan(0);
    expect(untouched).toBeGreaterThan(0);
    expect(publisher.events).toEqual([]);

    // 2. The next invocation, with time enough, finishes every baseline and announces nothing old.
    const second = await invoke(3_600_000);
    expect(second).toMatchObject({ targets: TARGETS, succeeded: TARGETS, failed: [], published: 0 });
    expect((await cursors()).every((cursor) => cursor?.baselineDone)).toBe(true);
    // The baseline records each target's open job (finished ones from before it are left alone).
    for (const target of targets) {
      const running = simulator.jobs(target.projectId).find((job) => job.status === 'Running');
      expect((await store.loadJobs(target)).has(running?.id ?? '')).toBe(true);
    }
    expect(publisher.events).toEqual([]);

    // 3. From then on every change is published once, on every target.
    for (const { projectId } of targets) {
      const running = simulator.jobs(projectId).find((job) => job.status === 'Running');
      if (running)
        simulator.updateJob(projectId, running.id, {
          status: 'Completed',
          progress: '',
          end_time: formatHuaweiTime(Date.now()),
        });
    }
    const third = await invoke(3_600_000);
    expect(third).toMatchObject({ published: TARGETS, pendingLeft: 0, transitions: { completed: TARGETS } });
    expect(new Set(publisher.events.map((event) => event.subject)).size).toBe(TARGETS);
    expect(new Set(publisher.events.map((event) => event.id)).size).toBe(TARGETS);
    vi.restoreAllMocks();
  }, 120_000);
});
