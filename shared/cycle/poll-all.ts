import type { JobsApi } from '../jobs/jobs-client';
import type { Target } from '../target';
import { type CycleDeps, type CycleReport, pollTarget } from './cycle';

/** Outcome of polling every target: one report per target that finished, one error per target that failed. */
export interface PollAllResult {
  readonly reports: readonly CycleReport[];
  readonly failures: readonly { readonly target: Target; readonly error: Error }[];
  /** Targets not started because `shouldStart` said no (e.g. the Lambda was about to time out). */
  readonly notStarted: readonly Target[];
}

/** Adapters for many targets: the jobs API differs per target (endpoint, project, credentials). */
export interface PollAllDeps extends Omit<CycleDeps, 'api'> {
  readonly apiFor: (target: Target) => JobsApi | Promise<JobsApi>;
}

/**
 * Polls every target with at most `concurrency` cycles at once. One target's failure does not
 * stop the others; it is returned in `failures`. `shouldStart` is asked before each target.
 */
export async function pollAll(
  deps: PollAllDeps,
  targets: readonly Target[],
  options: { readonly concurrency: number; readonly shouldStart?: () => boolean },
): Promise<PollAllResult> {
  const reports: CycleReport[] = [];
  const failures: { target: Target; error: Error }[] = [];
  const notStarted: Target[] = [];
  const queue = [...targets];
  const worker = async (): Promise<void> => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      if (options.shouldStart && !options.shouldStart()) {
        notStarted.push(target);
        continue;
      }
      try {
        const api = await deps.apiFor(target);
        reports.push(await pollTarget({ ...deps, api }, target));
      } catch (error) {
        failures.push({ target, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, worker),
  );
  return { reports, failures, notStarted };
}
