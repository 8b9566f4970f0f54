import { createHash } from 'node:crypto';
import type { Job } from './job';
import { isTerminalStatus } from './job';
import type { JobEvent } from './job-event';
import { EVENT_TYPE_PREFIX } from './job-event';
import type { Target } from './target';
import { eventSource } from './target';
import type { Transition, TransitionType } from './transition';

/** What identifies a transition; the event id is a function of exactly these. */
export interface EventIdParts {
  readonly target: Pick<Target, 'region' | 'projectId'>;
  readonly jobId: string;
  readonly type: TransitionType;
  /** The job's status after the transition. */
  readonly status: string;
  /** The progress step for `progressed`, else null. */
  readonly progressStep: number | null;
  /** How many times the job made this same change before: 0 the first time. */
  readonly occurrence: number;
}

/** Namespace of the id hash; bump it only with a new event contract, since it changes every id. */
const EVENT_ID_NAMESPACE = 'geminidb-job-watcher/job-event/1';

/**
 * The deterministic id of a transition's event, so that a re-published transition carries
 * the id it had the first time and consumers can drop the duplicate.
 *
 * A UUID (version 8, RFC 9562) built from the SHA-256 of the parts; the parts are joined
 * as a JSON array, so no value can bleed into its neighbour. A first occurrence hashes exactly the
 * parts earlier versions hashed, so its id did not change with the occurrence rule; a repeated
 * change adds its occurrence.
 */
export function eventId(parts: EventIdParts): string {
  const material = JSON.stringify([
    EVENT_ID_NAMESPACE,
    parts.target.region,
    parts.target.projectId,
    parts.jobId,
    parts.type,
    parts.status,
    parts.progressStep,
    ...(parts.occurrence > 0 ? [parts.occurrence] : []),
  ]);
  const bytes = createHash('sha256').update(material, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The public CloudEvents 1.0 event of one transition (DESIGN.md, "The event").
 * `detectedAt` becomes `time`: when the watcher saw the change, not when the job changed.
 */
export function buildEvent(
  target: Pick<Target, 'region' | 'projectId'>,
  transition: Transition,
  detectedAt: Date,
): JobEvent {
  const { job } = transition;
  return {
    specversion: '1.0',
    id: eventId({
      target,
      jobId: job.id,
      type: transition.type,
      status: job.status,
      progressStep: transition.progressStep,
      occurrence: transition.occurrence,
    }),
    source: eventSource(target),
    type: `${EVENT_TYPE_PREFIX}${transition.type}`,
    subject: job.id,
    time: detectedAt.toISOString(),
    datacontenttype: 'application/json',
    data: {
      region: target.region,
      project_id: target.projectId,
      job: copyJob(job),
      previous_status: transition.previousStatus,
      duration_seconds: durationSeconds(job),
    },
  };
}

/** End minus start in whole seconds for a finished job with an end time, else null. */
export function durationSeconds(job: Pick<Job, 'status' | 'start_time' | 'end_time'>): number | null {
  if (!isTerminalStatus(job.status) || job.end_time === null) return null;
  const elapsedMs = Date.parse(job.end_time) - Date.parse(job.start_time);
  return Number.isFinite(elapsedMs) ? Math.round(elapsedMs / 1000) : null;
}

/** Exactly the contract's job fields, so nothing extra a caller attached leaks into the public event. */
function copyJob(job: Job): Job {
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    start_time: job.start_time,
    end_time: job.end_time,
    progress: job.progress,
    instance: { id: job.instance.id, name: job.instance.name },
    fail_reason: job.fail_reason,
  };
}
