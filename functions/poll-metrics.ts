import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricDimension, MetricName, targetDimension } from '../shared/contract';
import type { PollAllResult } from '../shared/cycle/poll-all';

type Entry = readonly [MetricName, (typeof MetricUnit)[keyof typeof MetricUnit], number];

/**
 * Records one invocation's metrics (EMF): per target cycle duration, API requests, pending events,
 * publish failures and failure; transitions per type; and the invocation totals, including the
 * `CycleSucceeded` heartbeat the no-successful-cycle alarm watches. Groups with their own dimensions
 * are flushed here; the totals stay buffered for the `logMetrics` middleware to flush.
 */
export function recordPollMetrics(metrics: Metrics, result: PollAllResult): void {
  for (const report of result.reports) {
    flushGroup(metrics, { [MetricDimension.target]: targetDimension(report.target) }, [
      [MetricName.CycleDuration, MetricUnit.Milliseconds, report.durationMs],
      [MetricName.ApiRequests, MetricUnit.Count, report.apiRequests],
      [MetricName.PendingEvents, MetricUnit.Count, report.pendingLeft],
      [MetricName.PublishFailures, MetricUnit.Count, report.publishErrors.length],
      [MetricName.SkippedRecords, MetricUnit.Count, report.skippedRecords.length],
      [MetricName.RecordFailures, MetricUnit.Count, report.jobErrors.length],
      [MetricName.TargetFailed, MetricUnit.Count, 0],
    ]);
  }
  for (const failure of result.failures) {
    flushGroup(metrics, { [MetricDimension.target]: targetDimension(failure.target) }, [
      [MetricName.TargetFailed, MetricUnit.Count, 1],
    ]);
  }
  const transitions = new Map<string, number>();
  for (const report of result.reports) {
    for (const [type, count] of Object.entries(report.transitions)) {
      transitions.set(type, (transitions.get(type) ?? 0) + (count ?? 0));
    }
  }
  for (const [type, count] of transitions) {
    if (count > 0)
      flushGroup(metrics, { [MetricDimension.type]: type }, [
        [MetricName.Transitions, MetricUnit.Count, count],
      ]);
  }
  const sum = (count: (report: PollAllResult['reports'][number]) => number) =>
    result.reports.reduce((total, report) => total + count(report), 0);
  const publishFailures = sum((report) => report.publishErrors.length);
  metrics.addMetric(MetricName.CycleSucceeded, MetricUnit.Count, result.reports.length);
  metrics.addMetric(MetricName.TargetFailed, MetricUnit.Count, result.failures.length);
  metrics.addMetric(MetricName.PublishFailures, MetricUnit.Count, publishFailures);
  metrics.addMetric(
    MetricName.SkippedRecords,
    MetricUnit.Count,
    sum((report) => report.skippedRecords.length),
  );
  metrics.addMetric(
    MetricName.RecordFailures,
    MetricUnit.Count,
    sum((report) => report.jobErrors.length),
  );
}

/** Emits metrics sharing extra dimensions as one EMF record (EMF has one dimension set per record). */
function flushGroup(metrics: Metrics, dimensions: Record<string, string>, entries: readonly Entry[]): void {
  metrics.addDimensions(dimensions);
  for (const [name, unit, value] of entries) metrics.addMetric(name, unit, value);
  metrics.publishStoredMetrics();
}
