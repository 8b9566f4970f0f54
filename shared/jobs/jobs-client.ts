import type { Job } from '../job';

/** Query of `GET /v3/{project_id}/jobs`: every documented parameter. */
export interface JobsQuery {
  readonly id?: string;
  readonly start_time?: Date;
  readonly end_time?: Date;
  readonly status?: string;
  readonly name?: string;
  readonly offset?: number;
  /** 10, 20 or 50 (the API's default is 50). */
  readonly limit?: 10 | 20 | 50;
}

/** One page of the answer, normalised. */
export interface JobsPage {
  readonly jobs: readonly Job[];
  readonly total_count: number;
}

/** Every job of a window, scanned through all pages, each job once. */
export interface JobsScan {
  readonly jobs: readonly Job[];
  /** Pages read (requests that returned 200). */
  readonly pages: number;
  /** HTTP requests sent, retries included. */
  readonly requests: number;
}

/** The window (and optional filters) of a scan. */
export interface ScanWindow {
  readonly start: Date;
  readonly end: Date;
  readonly status?: string;
  readonly name?: string;
  readonly pageSize?: 10 | 20 | 50;
}

/** Port of the jobs API, implemented over HTTP by `createJobsClient`. */
export interface JobsApi {
  listJobs(query: JobsQuery): Promise<JobsPage>;
  scanJobs(window: ScanWindow): Promise<JobsScan>;
}
