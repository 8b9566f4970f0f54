/**
 * A GeminiDB task as the watcher sees it, normalised from the jobs API.
 *
 * The shape is exactly the `data.job` object of the public event: snake_case,
 * times in ISO 8601 UTC, `progress` a number or null, `fail_reason` text or null.
 */
export interface Job {
  readonly id: string;
  /** Task name; names beyond the documented list (e.g. `CreateCassandra`) are data, not errors. */
  readonly name: string;
  /** Task status; statuses beyond the documented three pass through as data. */
  readonly status: string;
  /** ISO 8601 UTC (`2023-09-12T06:44:01.000Z`). */
  readonly start_time: string;
  /** ISO 8601 UTC, or null when the API sent an empty string. */
  readonly end_time: string | null;
  /** 0-100 while running, null when the API sent `""`. */
  readonly progress: number | null;
  readonly instance: { readonly id: string; readonly name: string };
  /** Failure text, null when the API sent `""`. */
  readonly fail_reason: string | null;
}

/** The statuses the Huawei documentation lists. Others may appear and are kept as they are. */
export const JobStatus = {
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
} as const;
export type KnownJobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/**
 * True only for `Running`: the one status that makes a job running (adaptive polling, look-ups by
 * id, progress bars). Any other unfinished status (`Pending`, `Suspended`, one nobody listed) is
 * data: re-read at every full resync and reported when it changes.
 */
export function isRunning(status: string): boolean {
  return status === JobStatus.Running;
}

/** True for a status after which a job no longer changes on its own. */
export function isTerminalStatus(status: string): boolean {
  return status === JobStatus.Completed || status === JobStatus.Failed;
}
