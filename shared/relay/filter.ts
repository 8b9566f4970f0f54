import type { JobEvent } from '../job-event';
import { eventKind, isTestEvent } from '../publish/format';
import type { DestinationFilter } from './destinations';

/**
 * Whether a destination with this filter gets the event: every list given must hold the event's
 * value (types by suffix, job name, instance name or id, status); an absent filter takes all.
 * Test events (`send-test`) pass every filter, so one test checks every destination.
 */
export function matchesFilter(filter: DestinationFilter | undefined, event: JobEvent): boolean {
  if (filter === undefined || isTestEvent(event)) return true;
  const { job } = event.data;
  const has = (list: readonly string[] | undefined, ...values: string[]) =>
    list === undefined || values.some((value) => value !== '' && list.includes(value));
  return (
    has(filter.types, eventKind(event)) &&
    has(filter.jobNames, job.name) &&
    has(filter.instances, job.instance.name, job.instance.id) &&
    has(filter.statuses, job.status)
  );
}
