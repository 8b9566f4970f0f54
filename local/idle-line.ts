import type { CycleReport } from '../shared/cycle/cycle';
import { shortTarget } from '../shared/publish/format';

/**
 * The short status line of an idle cycle in a `poll` loop, so a person watching can tell the loop
 * is alive, e.g. `12:00:01 ap-southeast-1/0549b4a4…: idle, 37 jobs in window, 1 API request, 40 ms`
 * (the time in UTC like the console sink's event lines; a long project id shortened).
 */
export function idleLine(cycle: CycleReport, now: Date = new Date()): string {
  const { region, projectId } = cycle.target;
  const requests = `${cycle.apiRequests} API request${cycle.apiRequests === 1 ? '' : 's'}`;
  return `${now.toISOString().slice(11, 19)} ${shortTarget(region, projectId)}: idle, ${cycle.fetchedJobs} jobs in window, ${requests}, ${cycle.durationMs} ms`;
}
