import { eventId } from '../../shared/build-event';
import { isTerminalStatus, type Job, JobStatus } from '../../shared/job';
import { EVENT_TYPE_PREFIX, type JobEvent } from '../../shared/job-event';
import { TransitionType } from '../../shared/transition';
import { type ObservedState, sameJob, type WorldHistory } from './world-history';

/** What to hold the published events against. */
export interface AuditInput {
  readonly history: WorldHistory;
  /** Every event every sink accepted, in the order they were accepted (replays included). */
  readonly events: readonly JobEvent[];
  /** Terminal states first observed after this point (same axis as the history) must be published. */
  readonly baselineAt: number;
  /**
   * Whether the watcher could have seen a terminal state at all (e.g. it was in a scan that
   * finished); default: every terminal state could be seen.
   */
  readonly mustPublish?: (jobId: string, status: string) => boolean;
  /** The `progressStepPercent` the watcher ran with (for the id of `progressed`); default 0. */
  readonly progressStepPercent?: number;
  /**
   * True when the history holds every state the world ever had (a test that changes the world
   * by hand); false when it was sampled (the soak) and a short-lived progress value may be
   * missing, so progress is only checked against the range observed. Default true.
   */
  readonly completeHistory?: boolean;
}

/** One violation, in words a person can act on. */
export interface AuditFinding {
  readonly jobId: string;
  readonly eventId?: string;
  readonly detail: string;
}

/** The outbox invariants, checked: what was lost, what was false, what got two ids. */
export interface AuditReport {
  readonly events: number;
  readonly distinctIds: number;
  /** Terminal states reached after the baseline that no event announced. */
  readonly lost: readonly AuditFinding[];
  /** Events that contradict the job's real history (status, previous status, data, order). */
  readonly contradicting: readonly AuditFinding[];
  /** Transitions announced under two ids or under an id not derived from them, and ids reused for different content. */
  readonly duplicateIds: readonly AuditFinding[];
}

/**
 * Holds published events against what really happened to the jobs and checks the outbox
 * invariants: every terminal state reached after the baseline was published at least once;
 * no event contradicts its job's history; one id per transition and one transition per id.
 */
export function auditEvents(input: AuditInput): AuditReport {
  const stepPercent = input.progressStepPercent ?? 0;
  const complete = input.completeHistory ?? true;
  const contradicting: AuditFinding[] = [];
  const duplicateIds: AuditFinding[] = [];

  const firstById = new Map<string, JobEvent>();
  const idsByTransition = new Map<string, Set<string>>();
  const lastIndexByJob = new Map<string, number>();
  for (const event of input.events) {
    const jobId = event.subject;
    const first = firstById.get(event.id);
    if (first) {
      if (!sameExceptTime(first, event)) {
        duplicateIds.push({
          jobId,
          eventId: event.id,
          detail: `id ${event.id} was published for two different contents: ${describe(first)} and ${describe(event)}`,
        });
      }
      continue;
    }
    firstById.set(event.id, event);
    if (occurrenceOf(event, stepPercent) === undefined) {
      duplicateIds.push({
        jobId,
        eventId: event.id,
        detail: `${describe(event)} does not carry one of its transition's ids: a retry would get another id`,
      });
    }
    const key = transitionKey(event, stepPercent);
    const ids = idsByTransition.get(key) ?? new Set<string>();
    ids.add(event.id);
    idsByTransition.set(key, ids);

    const problem = contradiction(event, input.history.states(jobId), complete, lastIndexByJob);
    if (problem) contradicting.push({ jobId, eventId: event.id, detail: problem });
  }
  // A job that makes the same change n times may get n ids, never more.
  for (const [key, ids] of idsByTransition) {
    const [jobId = '', type = '', status = '', step = ''] = key.split('|');
    const times = realOccurrences(input.history.states(jobId), type, status, step, stepPercent);
    if (ids.size > times) {
      duplicateIds.push({
        jobId,
        detail: `transition ${key} happened ${times} time${times === 1 ? '' : 's'} but was published under ${ids.size} ids: ${[...ids].join(', ')}`,
      });
    }
  }

  const lost: AuditFinding[] = [];
  for (const jobId of input.history.jobIds()) {
    const seenStatuses = new Set<string>();
    for (const state of input.history.states(jobId)) {
      const { status } = state.job;
      if (!isTerminalStatus(status) || seenStatuses.has(status)) continue;
      seenStatuses.add(status);
      if (state.at <= input.baselineAt) continue;
      if (input.mustPublish && !input.mustPublish(jobId, status)) continue;
      const published = [...firstById.values()].some(
        (event) => event.subject === jobId && event.data.job.status === status,
      );
      if (!published) {
        lost.push({ jobId, detail: `job ${jobId} became ${status} at ${state.at} and nothing announced it` });
      }
    }
  }

  return { events: input.events.length, distinctIds: firstById.size, lost, contradicting, duplicateIds };
}

/** What identifies a change, the parts the event id is made of but the occurrence (the target is implied). */
function transitionKey(event: JobEvent, stepPercent: number): string {
  return [event.subject, typeOf(event), event.data.job.status, progressStepOf(event, stepPercent)].join('|');
}

/** Most occurrences of one change the audit tries when it matches an id. */
const MAX_OCCURRENCES = 100;

/** Which occurrence of its transition the event's id stands for, or undefined when it is none. */
function occurrenceOf(event: JobEvent, stepPercent: number): number | undefined {
  for (let occurrence = 0; occurrence < MAX_OCCURRENCES; occurrence++) {
    const id = eventId({
      target: { region: event.data.region, projectId: event.data.project_id },
      jobId: event.subject,
      type: typeOf(event) as TransitionType,
      status: event.data.job.status,
      progressStep: progressStepOf(event, stepPercent),
      occurrence,
    });
    if (id === event.id) return occurrence;
  }
  return undefined;
}

/**
 * How many times a job's real history made this change (an upper bound on the ids it may get):
 * once for `started` and `stalled`; otherwise each time the job entered the status (or, for
 * `progressed`, reached the step while running).
 */
function realOccurrences(
  states: readonly ObservedState[],
  type: string,
  status: string,
  step: string,
  stepPercent: number,
): number {
  if (type === TransitionType.Started || type === TransitionType.Stalled) return 1;
  let times = 0;
  let before: Job | undefined;
  for (const { job } of states) {
    if (type === TransitionType.Progressed) {
      const reached = (job: Job | undefined) =>
        job?.status === JobStatus.Running &&
        job.progress !== null &&
        stepPercent > 0 &&
        Math.floor(job.progress / stepPercent) * stepPercent >= Number(step);
      if (reached(job) && !reached(before)) times += 1;
    } else if (job.status === status && before?.status !== status) {
      times += 1;
    }
    before = job;
  }
  return Math.max(1, times);
}

/** The progress step a `progressed` event crossed; null for every other type. */
function progressStepOf(event: JobEvent, stepPercent: number): number | null {
  const progress = event.data.job.progress;
  return typeOf(event) === TransitionType.Progressed && stepPercent > 0 && progress !== null
    ? Math.floor(progress / stepPercent) * stepPercent
    : null;
}

function typeOf(event: JobEvent): string {
  return event.type.slice(EVENT_TYPE_PREFIX.length);
}

/**
 * Why this first publication of an id contradicts the job's history, or undefined. Also moves
 * the job's position in its history forward, so that events out of order are caught.
 */
function contradiction(
  event: JobEvent,
  states: readonly ObservedState[],
  complete: boolean,
  lastIndexByJob: Map<string, number>,
): string | undefined {
  const { job, previous_status: previous } = event.data;
  const type = typeOf(event);
  if (states.length === 0) return `${describe(event)}: the job never existed`;
  if (job.id !== event.subject) return `${describe(event)}: subject and data.job.id differ`;

  const expected = expectedStatus(type, job.status, previous);
  if (expected) return `${describe(event)}: ${expected}`;

  const from = lastIndexByJob.get(event.subject) ?? 0;
  const matches = (state: ObservedState) => matchesState(job, state.job, states, complete);
  // A job that moves back and forth has the same state more than once: the event is the first
  // occurrence, from where the job's last announced state stands, that its previous status precedes.
  const previousBefore = (index: number) =>
    previous === null ||
    states.slice(0, index + (previous === job.status ? 1 : 0)).some((state) => state.job.status === previous);
  const anywhere = states.findIndex(matches);
  if (anywhere < 0) return `${describe(event)}: the job never was in this state (${JSON.stringify(job)})`;
  let later = -1;
  for (let i = from; i < states.length; i++) {
    if (!matches(states[i] as ObservedState)) continue;
    if (later < 0) later = i;
    if (previousBefore(i)) {
      lastIndexByJob.set(event.subject, i);
      return undefined;
    }
  }
  if (later < 0) return `${describe(event)}: announced after a later state of the job was announced`;
  return `${describe(event)}: the job was never ${previous} before it was ${job.status}`;
}

/** What the event's type says about its status and previous status; a mismatch, or undefined. */
function expectedStatus(type: string, status: string, previous: string | null): string | undefined {
  switch (type) {
    case TransitionType.Started:
      return status === JobStatus.Running && previous === null
        ? undefined
        : 'started must be a job first seen Running';
    case TransitionType.Completed:
      return status === JobStatus.Completed ? undefined : 'completed must carry status Completed';
    case TransitionType.Failed:
      return status === JobStatus.Failed ? undefined : 'failed must carry status Failed';
    case TransitionType.Progressed:
      return status === JobStatus.Running && previous === JobStatus.Running
        ? undefined
        : 'progressed must be Running after Running';
    case TransitionType.StatusChanged:
      return isTerminalStatus(status) || status === previous
        ? 'status_changed must name a new status other than Completed or Failed'
        : undefined;
    case TransitionType.Stalled:
      return status === JobStatus.Running ? undefined : 'stalled must be Running';
    default:
      return `unknown type ${type}`;
  }
}

/**
 * Whether the event's job is this real state. With a sampled history a Running job's progress
 * may have moved between samples: it only has to lie within what was observed for that status.
 */
function matchesState(job: Job, real: Job, states: readonly ObservedState[], complete: boolean): boolean {
  if (complete || job.progress === null || real.progress === null) return sameJob(job, real);
  if (!sameJob({ ...job, progress: real.progress }, real)) return false;
  const observed = states
    .filter((state) => state.job.status === job.status && state.job.progress !== null)
    .map((state) => state.job.progress as number);
  return job.progress >= Math.min(...observed) && job.progress <= Math.max(...observed);
}

function sameExceptTime(a: JobEvent, b: JobEvent): boolean {
  return canonical({ ...a, time: '' }) === canonical({ ...b, time: '' });
}

/** JSON with object keys sorted: an event read back from the store may list its keys in another order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonical(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function describe(event: JobEvent): string {
  const previous = event.data.previous_status ?? 'nothing';
  return `${typeOf(event)} of job ${event.subject} (${previous} -> ${event.data.job.status}, id ${event.id})`;
}
