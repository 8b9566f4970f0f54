import type { Target } from '../target';

/** Steps of a poll cycle, named in every error so an operator knows where it stopped. */
export const CycleStep = {
  ReadCursor: 'read-cursor',
  Fetch: 'fetch',
  Record: 'record',
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

/**
 * The poll's claim expired and another poll took the target over before this one wrote its
 * cursor. Nothing is lost (its jobs are on the pending set the other poll reads), but the claim was
 * too short.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(readonly leaseSeconds: number) {
    super(
      `another cycle took the target over after this cycle's lease ended; raise leaseSeconds (now ${leaseSeconds}) above the longest cycle`,
    );
  }
}
