/** Messages between the benchmark and its backend process (simulator + dynalite). */

/** What the backend serves once started. */
export interface BackendReady {
  readonly simulatorUrl: string;
  readonly dynamoEndpoint: string;
}

/** The fleet of one benchmark cell. */
export interface FleetSpec {
  readonly projectIds: readonly string[];
  /** Finished jobs per project, spread over the 30-day window. */
  readonly jobsPerProject: number;
  /** Running jobs per project, started in the last few minutes. */
  readonly runningPerProject: number;
  /** Fixed delay of every jobs API answer. */
  readonly latencyMs: number;
}

/** A request to the backend; `id` pairs it with its answer. */
export type BackendRequest =
  | { readonly id: number; readonly op: 'start'; readonly fleet: FleetSpec }
  | {
      readonly id: number;
      readonly op: 'finish';
      readonly projectId: string;
      /** Completes these jobs, or else the `count` oldest running ones. */
      readonly ids?: readonly string[];
      readonly count: number;
      readonly atMs: number;
    }
  | {
      readonly id: number;
      readonly op: 'add';
      readonly projectId: string;
      readonly status: string;
      readonly startMs: number;
    }
  | { readonly id: number; readonly op: 'stats' }
  | { readonly id: number; readonly op: 'stop' };

/** The backend's answer to one request. */
export type BackendResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };
