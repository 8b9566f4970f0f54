import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  MetricDimension,
  MetricName,
  SERVICE_NAME,
  TARGET_PROPERTY,
} from '../shared/contract';
import { TransitionType } from '../shared/transition';

/**
 * Logs Insights: failures per target over the dashboard's range, from the EMF document each failed
 * poll writes (its `target` property): the per-target view without a per-target metric.
 */
export const FAILURES_PER_TARGET_QUERY = [
  'fields @timestamp',
  `filter ${MetricName.TargetFailed} > 0`,
  `stats sum(${MetricName.TargetFailed}) as failures, latest(error) as lastError by ${TARGET_PROPERTY}`,
  'sort failures desc',
  'limit 100',
];

/** Logs Insights: per target, the polls that did something (transitions, events, errors), and their cost. */
export const ACTIVITY_PER_TARGET_QUERY = [
  `filter ispresent(${TARGET_PROPERTY}) and ispresent(${MetricName.CycleDuration})`,
  `stats count(*) as busyPolls, sum(${MetricName.ApiRequests}) as apiRequests, max(${MetricName.CycleDuration}) as maxMs, max(${MetricName.PendingEvents}) as pending by ${TARGET_PROPERTY}`,
  'sort busyPolls desc',
  'limit 100',
];

/** Period of the error and delivery alarms. */
const ALARM_PERIOD = Duration.minutes(5);

/** A metric the poll function emits (Powertools adds the `service` dimension to every one). */
export function watcherMetric(
  metricName: MetricName,
  options: {
    dimensions?: Record<string, string>;
    statistic?: string;
    period?: Duration;
    label?: string;
  } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...options.dimensions },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? ALARM_PERIOD,
    ...(options.label ? { label: options.label } : {}),
  });
}

/** What the alarms watch. */
export interface WatcherAlarmsProps {
  readonly pollFunction: IFunction;
  readonly topic: ITopic;
  readonly alarmTopic: ITopic;
  readonly deadLetterQueues: readonly Queue[];
  /** The poll function's log group: the failing-targets query reads it. */
  readonly logGroup: logs.ILogGroup;
  /** Window in which at least one successful cycle must happen (at least 5 minutes, twice the poll rate). */
  readonly heartbeatPeriod: Duration;
}

/**
 * The watcher's alarms, each sending to the alarm topic when it fires and when it clears:
 * poll errors (failed invocations, events a sink refused), targets failing, no successful cycle
 * (heartbeat), a dead-letter queue not empty, SNS delivery failures. None is per target: the
 * targets-failing alarm counts failed polls of any target, and its description names the saved
 * Logs Insights query that lists them by target.
 */
export function createWatcherAlarms(scope: Construct, props: WatcherAlarmsProps): cloudwatch.Alarm[] {
  const action = new SnsAction(props.alarmTopic);
  const alarms: cloudwatch.Alarm[] = [];
  const add = (alarm: cloudwatch.Alarm) => {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    alarms.push(alarm);
  };

  add(
    new cloudwatch.MathExpression({
      expression: 'FILL(invocationErrors, 0) + FILL(publishFailures, 0)',
      usingMetrics: {
        invocationErrors: props.pollFunction.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
        publishFailures: watcherMetric(MetricName.PublishFailures),
      },
      period: ALARM_PERIOD,
      label: 'Poll errors',
    }).createAlarm(scope, 'PollErrorsAlarm', {
      alarmDescription:
        'Poll invocations failed or an event could not be published, in two 5-minute periods in a row. See the ' +
        'poll function logs (each failure is one error line naming the target).',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );

  // Saved queries are free; the name is unique per construct so two watchers in one account differ.
  const queryName = `${SERVICE_NAME}/failing-targets-${scope.node.addr.slice(0, 8)}`;
  new logs.QueryDefinition(scope, 'FailingTargetsQuery', {
    queryDefinitionName: queryName,
    queryString: new logs.QueryString({
      fields: ['@timestamp'],
      filterStatements: [`${MetricName.TargetFailed} > 0`],
      stats: `sum(${MetricName.TargetFailed}) as failures, latest(error) as lastError by ${TARGET_PROPERTY}`,
      sort: 'failures desc',
    }),
    logGroups: [props.logGroup],
  });
  add(
    watcherMetric(MetricName.TargetFailed).createAlarm(scope, 'TargetsFailingAlarm', {
      alarmDescription:
        'Polls of one or more targets failed in two 5-minute periods in a row (the value: failed polls in the ' +
        `period). Which targets and why: the saved Logs Insights query "${queryName}" ` +
        'on the poll function log group, or the dashboard widget "Failures per target".',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );

  add(
    watcherMetric(MetricName.CycleSucceeded, { period: props.heartbeatPeriod }).createAlarm(
      scope,
      'HeartbeatAlarm',
      {
        alarmDescription: `No target finished a poll cycle in ${props.heartbeatPeriod.toMinutes()} minutes: the schedule, the function or every target is failing.`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    ),
  );

  for (const queue of props.deadLetterQueues) {
    add(
      queue
        .metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' })
        .createAlarm(scope, `${queue.node.id}NotEmptyAlarm`, {
          alarmDescription: `Dead-letter queue ${queue.node.id} holds messages: inspect and redrive or delete them.`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
  }

  add(
    props.topic
      .metricNumberOfNotificationsFailed({ period: ALARM_PERIOD, statistic: 'Sum' })
      .createAlarm(scope, 'DeliveryFailuresAlarm', {
        alarmDescription:
          'SNS could not deliver events to a subscription (webhook down, queue key policy, ...). Failed ' +
          'webhook and queue deliveries land in the delivery dead-letter queue.',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
  );
  return alarms;
}

/** What the dashboard shows. */
export interface WatcherDashboardProps {
  readonly pollFunction: IFunction;
  readonly topic: ITopic;
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The poll function's log group, which the per-target widgets query. */
  readonly logGroup: logs.ILogGroup;
}

/**
 * One dashboard: alarm states, transitions by type, poll duration and API requests, errors, and
 * per target (Logs Insights over the polls' EMF documents) failures and activity. Its widgets do not
 * grow with the targets.
 */
export function createWatcherDashboard(scope: Construct, props: WatcherDashboardProps): cloudwatch.Dashboard {
  const period = Duration.minutes(5);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.hours(24),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Transitions by type',
      stacked: true,
      width: 12,
      left: Object.values(TransitionType).map((type) =>
        watcherMetric(MetricName.Transitions, {
          dimensions: { [MetricDimension.type]: type },
          period,
          label: type,
        }),
      ),
    }),
    new cloudwatch.GraphWidget({
      title: 'Poll duration (ms) and jobs API requests',
      width: 12,
      left: [
        watcherMetric(MetricName.CycleDuration, { statistic: 'p90', period, label: 'poll duration p90' }),
        watcherMetric(MetricName.CycleDuration, { statistic: 'Maximum', period, label: 'poll duration max' }),
      ],
      right: [watcherMetric(MetricName.ApiRequests, { period, label: 'API requests' })],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.LogQueryWidget({
      title: 'Failures per target',
      width: 8,
      logGroupNames: [props.logGroup.logGroupName],
      queryLines: FAILURES_PER_TARGET_QUERY,
      view: cloudwatch.LogQueryVisualizationType.TABLE,
    }),
    new cloudwatch.GraphWidget({
      title: 'Errors',
      width: 8,
      left: [
        watcherMetric(MetricName.TargetFailed, { period, label: 'failed target polls' }),
        props.pollFunction.metricErrors({ period, label: 'failed invocations' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Delivery',
      width: 8,
      left: [
        watcherMetric(MetricName.CycleSucceeded, { period, label: 'successful cycles' }),
        props.topic.metricNumberOfMessagesPublished({ period, label: 'published to SNS' }),
        props.topic.metricNumberOfNotificationsFailed({ period, label: 'SNS delivery failures' }),
        watcherMetric(MetricName.PublishFailures, { period, label: 'publish failures' }),
      ],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.LogQueryWidget({
      title: 'Activity per target (polls that did something)',
      width: 24,
      logGroupNames: [props.logGroup.logGroupName],
      queryLines: ACTIVITY_PER_TARGET_QUERY,
      view: cloudwatch.LogQueryVisualizationType.TABLE,
    }),
  );
  return dashboard;
}
