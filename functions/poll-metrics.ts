import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricDimension, MetricName, TARGET_PROPERTY, targetDimension } from '../shared/contract';
import type { CycleReport } from '../shared/cycle/cycle';
import type { PollAllResult } from '../shared/cycle/poll-all';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Records one invocation's metrics (EMF), with no per-target dimension, so their number (and price)
 * does not grow with the targets:
 *
 * - a poll that did something (transitions, events, errors, refused records) writes its own EMF
 *   document, its target in the `target` property (searchable in Logs Insights);
 * - a failed poll writes one with `TargetFailed` 1, the target and the error;
 * - idle polls write nothing of their own: their figures go into the invocation's document,
 *   flushed by the `logMetrics` middleware with `CycleSucceeded`, the heartbeat.
 *
 * Every poll's figures land in exactly one document, so sums over documents are the true totals.
 * Metrics other than `CycleSucceeded`, `CycleDuration` and `ApiRequests` are written only when not 0.
 */
export function recordPollMetrics(metrics: Metrics, result: PollAllResult): void {
  const quiet = result.reports.filter(isQuiet);
  for (const report of result.reports) {
    if (isQuiet(report)) continue;
    flushDocument(metrics, { [TARGET_PROPERTY]: targetDimension(report.target), outcome: report.outcome }, [
      [MetricName.CycleSucceeded, MetricUnit.Count, 1],
      [MetricName.CycleDuration, MetricUnit.Milliseconds, report.durationMs],
      [MetricName.ApiRequests, MetricUnit.Count, report.apiRequests],
      [MetricName.PendingEvents, MetricUnit.Count, report.pendingLeft],
      [MetricName.PublishFailures, MetricUnit.Count, report.publishErrors.length],
      [MetricName.SkippedRecords, MetricUnit.Count, report.skippedRecords.length],
      [MetricName.RecordFailures, MetricUnit.Count, report.jobErrors.length],
    ]);
  }
  for (const failure of result.failures) {
    flushDocument(
      metrics,
      { [TARGET_PROPERTY]: targetDimension(failure.target), error: failure.error.name },
      [[MetricName.TargetFailed, MetricUnit.Count, 1]],
    );
  }
  for (const [type, count] of transitionsByType(result.reports)) {
    metrics.addDimensions({ [MetricDimension.type]: type });
    metrics.addMetric(MetricName.Transitions, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  }
  // Last, after every flush above: the invocation's document, flushed by the middleware. The
  // heartbeat is in it even at 0 (the alarm sees the 0).
  // A target a sub-tick did not poll (or one under another claim) asked the API nothing: no duration.
  const asked = quiet.filter((report) => report.apiRequests > 0);
  for (const report of asked) {
    metrics.addMetric(MetricName.CycleDuration, MetricUnit.Milliseconds, report.durationMs);
  }
  const requests = asked.reduce((sum, report) => sum + report.apiRequests, 0);
  if (requests > 0) metrics.addMetric(MetricName.ApiRequests, MetricUnit.Count, requests);
  metrics.addMetric(MetricName.CycleSucceeded, MetricUnit.Count, quiet.length);
}

/** Nothing to tell about this poll: no transition, no event, no error. */
function isQuiet(report: CycleReport): boolean {
  return (
    report.outcome !== 'done' &&
    report.pendingLeft === 0 &&
    report.publishErrors.length === 0 &&
    report.skippedRecords.length === 0 &&
    report.jobErrors.length === 0
  );
}

/** One EMF document for one target: its non-zero metrics, the target and more as properties. */
function flushDocument(
  metrics: Metrics,
  properties: Record<string, string>,
  entries: readonly (readonly [MetricName, Unit, number])[],
): void {
  for (const [name, unit, value] of entries) {
    if (value !== 0 || name === MetricName.CycleSucceeded || name === MetricName.TargetFailed)
      metrics.addMetric(name, unit, value);
  }
  for (const [key, value] of Object.entries(properties)) metrics.addMetadata(key, value);
  metrics.publishStoredMetrics();
}

function transitionsByType(reports: readonly CycleReport[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const report of reports) {
    for (const [type, count] of Object.entries(report.transitions)) {
      if ((count ?? 0) > 0) totals.set(type, (totals.get(type) ?? 0) + (count ?? 0));
    }
  }
  return totals;
}
