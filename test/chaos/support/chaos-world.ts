import { afterAll, beforeAll } from 'vitest';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import { createSimulator, type InjectedResponse, type Simulator } from '../../../local/simulator/server';
import { createTokenAuthenticator } from '../../../shared/auth/token';
import type { CycleOptions } from '../../../shared/config';
import { createJobsClient, type JobsClientOptions } from '../../../shared/jobs/http-client';
import type { JobsApi } from '../../../shared/jobs/jobs-client';
import { DynamoDbTaskStore } from '../../../shared/store/dynamodb-store';
import type { Target } from '../../../shared/target';
import { type CollectingPublisher, collectingPublisher } from '../../support/collecting-publisher';
import { useDynalite } from '../../support/dynalite';
import { TEST_OPTIONS } from '../../support/watcher-world';

/** Token the chaos simulator accepts. */
export const CHAOS_TOKEN = 'chaos-token';
/**
 * Per-attempt timeout of chaos clients: the client's default, far above any answer of the local
 * simulator on a loaded machine. An injected slow answer does not wait for it: it fires the
 * attempt's timeout at once (see {@link slowAnswerTimers}), so no test depends on machine speed.
 */
export const CHAOS_TIMEOUT_MS = 10_000;
/** Header of the injected slow answer: the chaos client treats its attempt as timed out. */
const SLOW_ANSWER_HEADER = 'x-chaos-slow-answer';

/** API faults the tests inject, as the simulator serves them. */
export const ApiFault = {
  Throttle: 'throttle',
  ServerError: 'serverError',
  HtmlPage: 'htmlPage',
  HtmlBadGateway: 'htmlBadGateway',
  TruncatedJson: 'truncatedJson',
  WrongTypes: 'wrongTypes',
  Reset: 'reset',
  Slow: 'slow',
} as const;
export type ApiFault = (typeof ApiFault)[keyof typeof ApiFault];

/** The one-shot answer that plays a fault. */
export function faultResponse(fault: ApiFault): InjectedResponse {
  switch (fault) {
    case ApiFault.Throttle:
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: '{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}',
      };
    case ApiFault.ServerError:
      return { status: 503, body: '{"error_code":"DBS.200003","error_msg":"Service unavailable"}' };
    case ApiFault.HtmlPage:
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html><h1>Maintenance</h1></html>',
      };
    case ApiFault.HtmlBadGateway:
      return {
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
      };
    case ApiFault.TruncatedJson:
      return { status: 200, body: '{"total_count": 3, "jobs": [{"id": "6f85e0' };
    case ApiFault.WrongTypes:
      return { status: 200, body: '{"total_count": "3", "jobs": []}' };
    case ApiFault.Reset:
      return { reset: true };
    case ApiFault.Slow:
      return {
        status: 200,
        headers: { 'content-type': 'application/json', [SLOW_ANSWER_HEADER]: '1' },
        body: '{"total_count": 0, "jobs": []}',
      };
  }
}

/** A jobs client, the sleeps it asked for (instead of taking them), and its options. */
export interface ChaosApi {
  readonly api: JobsApi;
  /** Every wait the client asked for between attempts, ms. */
  readonly sleeps: number[];
}

/** What one test (or one property run) works on: its own project, table and sink. */
export interface ChaosTarget {
  readonly target: Target;
  readonly projectId: string;
  readonly store: DynamoDbTaskStore;
  readonly publisher: CollectingPublisher;
  readonly options: CycleOptions;
  /** A new jobs client for this target that never really sleeps. */
  api(overrides?: Partial<JobsClientOptions>): ChaosApi;
}

/**
 * A paused simulator (the test changes the world by hand) and an in-memory dynalite for one test
 * file. `fresh()` hands out a cleared project and a new table; projects are reused round-robin,
 * so a property test can run as often as it likes.
 */
export function useChaosWorld(projectCount = 12) {
  const dynalite = useDynalite();
  const projectIds = Array.from(
    { length: projectCount },
    (_, index) => `chaos${String(index).padStart(3, '0')}`,
  );
  let simulator: Simulator | undefined;
  let next = 0;
  let injectedByTests = 0;
  beforeAll(async () => {
    // No arrivals: `addJob` advances the arrival stream to the real clock even while paused.
    simulator = createSimulator({
      seed: 11,
      token: CHAOS_TOKEN,
      projectIds,
      historyJobs: 0,
      runningAtStart: 0,
      jobsPerMinute: 0,
    });
    simulator.pause();
    await simulator.listen(0);
  });
  afterAll(async () => {
    await simulator?.close();
  });
  const sim = (): Simulator => {
    if (!simulator) throw new Error('the chaos simulator is not running: use it inside tests or hooks');
    return simulator;
  };

  return {
    get simulator(): Simulator {
      return sim();
    },
    /** Queues one-shot fault answers for the next requests. */
    inject(faults: readonly ApiFault[]): void {
      injectedByTests += faults.length;
      sim().injectNext(faults.map(faultResponse));
    },
    /** Serves whatever injected answers are still queued to throwaway requests, so the next test starts clean. */
    async drainInjected(): Promise<void> {
      const url = `${sim().url}/v3/${projectIds[0]}/jobs`;
      for (let attempt = 0; (sim().stats.faults.injected ?? 0) < injectedByTests; attempt++) {
        if (attempt > 100) throw new Error('injected answers are still queued after 100 throwaway requests');
        await fetch(url, { headers: { 'X-Auth-Token': CHAOS_TOKEN }, signal: AbortSignal.timeout(1_000) })
          .then((response) => response.text())
          .catch(() => undefined);
      }
    },
    /** A cleared project, a fresh table and a collecting sink, with the given cycle options. */
    async fresh(options: Partial<CycleOptions> = {}): Promise<ChaosTarget> {
      const projectId = projectIds[next++ % projectIds.length] as string;
      for (const job of sim().jobs(projectId)) sim().removeJob(projectId, job.id);
      sim().onPage = undefined;
      const target: Target = { region: 'ap-southeast-1', projectId, endpoint: sim().url ?? '' };
      const store = new DynamoDbTaskStore({
        tableName: await dynalite.freshTable(),
        client: dynalite.client,
      });
      return {
        target,
        projectId,
        store,
        publisher: collectingPublisher(),
        options: { ...TEST_OPTIONS, ...options },
        api(overrides = {}) {
          const sleeps: number[] = [];
          const api = createJobsClient({
            endpoint: target.endpoint ?? '',
            projectId,
            auth: createTokenAuthenticator(CHAOS_TOKEN),
            timeoutMs: CHAOS_TIMEOUT_MS,
            sleep: async (ms) => {
              sleeps.push(ms);
            },
            ...slowAnswerTimers(),
            ...overrides,
          });
          return { api, sleeps };
        },
      };
    },
  };
}

/**
 * A client's attempt timers and fetch such that an injected slow answer times its attempt out at
 * once, as if it had taken longer than the timeout, while every other answer has the whole (real)
 * timeout. The client starts an attempt's timer just before it calls fetch, so the fetch takes the
 * timer started last.
 */
function slowAnswerTimers(): Pick<JobsClientOptions, 'startTimer' | 'fetch'> {
  let lastStarted: (() => void) | undefined;
  return {
    startTimer(onTimeout, ms) {
      const timer = setTimeout(onTimeout, ms);
      lastStarted = () => {
        clearTimeout(timer);
        onTimeout();
      };
      return () => clearTimeout(timer);
    },
    async fetch(input, init) {
      const timeOut = lastStarted;
      const response = await fetch(input, init);
      if (response.headers.get(SLOW_ANSWER_HEADER) === null || timeOut === undefined) return response;
      await response.body?.cancel();
      timeOut();
      throw init?.signal?.reason ?? new Error('the slow answer timed out');
    },
  };
}

/** A Huawei time `minutes` before now. */
export const minutesAgo = (minutes: number): string => formatHuaweiTime(Date.now() - minutes * 60_000);
