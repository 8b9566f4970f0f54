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

/** A job record the API sent that does not fit the document: left out of the page, and named. */
export interface SkippedRecord {
  /** The record's id when it had a usable one. */
  readonly jobId: string | null;
  /** Where the record broke the document: `start_time`, `instance.id`, ..., or `record`. */
  readonly field: string;
  /** What was wrong, with the value cut short. */
  readonly problem: string;
}

/** One page of the answer, normalised. */
export interface JobsPage {
  readonly jobs: readonly Job[];
  readonly total_count: number;
  /** Records of the page left out because they do not fit the document. */
  readonly skipped: readonly SkippedRecord[];
  /** HTTP requests the page took, retries included (absent: one). */
  readonly requests?: number;
}

/** Every job of a window, scanned through all pages, each job once. */
export interface JobsScan {
  readonly jobs: readonly Job[];
  /** Pages read (requests that returned 200). */
  readonly pages: number;
  /** HTTP requests sent, retries included. */
  readonly requests: number;
  /** Records left out because they do not fit the document, each once (by id when it has one). */
  readonly skipped: readonly SkippedRecord[];
}

/** The window (and optional filters) of a scan. */
export interface ScanWindow {
  readonly start: Date;
  readonly end: Date;
  readonly status?: string;
  readonly name?: string;
  readonly pageSize?: 10 | 20 | 50;
  /** The window's first page (offset 0), when the caller has read it already: the scan starts after it. */
  readonly firstPage?: JobsPage;
}

/** How long one call may go on. */
export interface JobsCallOptions {
  /**
   * Milliseconds from the call by which it must be over (what is left of the invocation): no
   * attempt starts after that, none runs past it, and no retry waits beyond it.
   */
  readonly budgetMs?: number;
}

/** Port of the jobs API, implemented over HTTP by `createJobsClient`. */
export interface JobsApi {
  listJobs(query: JobsQuery, options?: JobsCallOptions): Promise<JobsPage>;
  scanJobs(window: ScanWindow, options?: JobsCallOptions): Promise<JobsScan>;
}
