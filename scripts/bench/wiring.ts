import { createTokenAuthenticator } from '../../shared/auth/token';
import type { CycleOptions } from '../../shared/config';
import type { JobEvent } from '../../shared/job-event';
import { createJobsClient } from '../../shared/jobs/http-client';
import type { JobsApi } from '../../shared/jobs/jobs-client';
import type { Publisher } from '../../shared/publish/publisher';
import type { Target } from '../../shared/target';
import { BENCH_REGION, BENCH_TOKEN } from './names';

/** The watcher's defaults, as the Lambda runs them. */
export const BENCH_OPTIONS: CycleOptions = {
  progressStepPercent: 0,
  stalledAfterSeconds: {},
  announceBaseline: false,
  leaseSeconds: 120,
  pageSize: 50,
  fullResyncSeconds: 3600,
  overlapSeconds: 600,
};

/** The targets of a cell on the backend's simulator. */
export function benchTargets(projectIds: readonly string[], endpoint: string): Target[] {
  return projectIds.map((projectId) => ({ region: BENCH_REGION, projectId, endpoint }));
}

/** One jobs client per target, as the Lambda keeps them. */
export function apiFactory(): (target: Target) => JobsApi {
  const apis = new Map<string, JobsApi>();
  return (target) => {
    let api = apis.get(target.projectId);
    if (!api) {
      api = createJobsClient({
        endpoint: target.endpoint ?? '',
        projectId: target.projectId,
        auth: createTokenAuthenticator(BENCH_TOKEN),
      });
      apis.set(target.projectId, api);
    }
    return api;
  };
}

/** A sink that keeps events in memory (no I/O, so only the watcher is measured). */
export function memoryPublisher(): Publisher & { readonly events: JobEvent[] } {
  const events: JobEvent[] = [];
  return {
    name: 'bench',
    events,
    async publish(batch) {
      events.push(...batch);
      return { refused: [] };
    },
  };
}
