import type { JobEvent } from '../../../shared/job-event';
import type { TaskStore } from '../../../shared/store/task-store';
import type { Target } from '../../../shared/target';

/** Everything a target has in the store, in a form `toEqual` compares: proof that nothing was committed. */
export async function storeSnapshot(store: TaskStore, target: Target): Promise<unknown> {
  const jobs = [...(await store.loadJobs(target)).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return { cursor: await store.getCursor(target), jobs };
}

/** `type previous -> status` of each event, short enough to compare whole lists. */
export function transitionsOf(events: readonly JobEvent[]): string[] {
  return events.map(
    (event) =>
      `${event.type.split('.').pop()} ${event.data.previous_status ?? 'null'} -> ${event.data.job.status}`,
  );
}
