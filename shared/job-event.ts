import type { Job } from './job';
import type { TransitionType } from './transition';

/** Prefix of every event type; the suffix is a {@link TransitionType}. */
export const EVENT_TYPE_PREFIX = 'com.huaweicloud.geminidb.job.';

/** Version of the event contract, documented by `schema/job-event.schema.json`. */
export const EVENT_SCHEMA_VERSION = '1.0.0';

/** The `data` of a job event: see DESIGN.md, "The event". */
export interface JobEventData {
  readonly region: string;
  readonly project_id: string;
  readonly job: Job;
  readonly previous_status: string | null;
  /** End minus start for a finished job, else null. */
  readonly duration_seconds: number | null;
}

/**
 * One status transition as a CloudEvents 1.0 event in structured JSON mode:
 * the product's public interface. Extend it; never rename or drop a field.
 */
export interface JobEvent {
  readonly specversion: '1.0';
  /** Deterministic: the same transition has the same id on every retry. */
  readonly id: string;
  readonly source: string;
  readonly type: `${typeof EVENT_TYPE_PREFIX}${TransitionType}`;
  /** The job id. */
  readonly subject: string;
  /** When the watcher detected the change (ISO 8601 UTC). */
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: JobEventData;
}
