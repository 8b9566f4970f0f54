import type { Target } from './target';

/** Steps of a poll cycle, named in every error so an operator knows where it stopped. */
export const CycleStep = {
  ReadCursor: 'read-cursor',
  Fetch: 'fetch',
  LoadState: 'load-state',
  Lease: 'lease',
  Record: 'record',
  Claim: 'claim',
  Publish: 'publish',
  Mark: 'mark',
  SaveCursor: 'save-cursor',
} as const;
export type CycleStep = (typeof CycleStep)[keyof typeof CycleStep];

/** A cycle that could not finish: names the target, the step and the cause, in one line. */
export class CycleError extends Error {
  override readonly name = 'CycleError';
  constructor(
    readonly target: Target,
    readonly step: CycleStep,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`target ${target.region}/${target.projectId}: ${step} failed: ${reason.replace(/\s+/g, ' ')}`, {
      cause,
    });
  }
}

/** Another cycle kept winning the optimistic lock on one job; nothing was published for it. */
export class RecordConflictError extends Error {
  override readonly name = 'RecordConflictError';
}
