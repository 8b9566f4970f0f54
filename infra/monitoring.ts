import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  MetricDimension,
  MetricName,
  SERVICE_NAME,
  targetDimension,
} from '../shared/contract';
import type { Target } from '../shared/target';
import { TransitionType } from '../shared/transition';

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
  /** Window in which at least one successful cycle must happen (at least 5 minutes, twice the poll rate). */
  readonly heartbeatPeriod: Duration;
}

/**
 * The watcher's alarms, each sending to the alarm topic when it fires and when it clears:
 * poll errors, no successful cycle (heartbeat), a dead-letter queue not empty, SNS delivery failures.
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
      expression: 'FILL(invocationErrors, 0) + FILL(targetFailures, 0) + FILL(publishFailures, 0)',
      usingMetrics: {
        invocationErrors: props.pollFunction.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
        targetFailures: watcherMetric(MetricName.TargetFailed),
        publishFailures: watcherMetric(MetricName.PublishFailures),
      },
      period: ALARM_PERIOD,
      label: 'Poll errors',
    }).createAlarm(scope, 'PollErrorsAlarm', {
      alarmDescription:
        'Poll invocations failed, a target cycle failed or an event could not be published, in two 5-minute ' +
        'periods in a row. See the poll function logs (each failure is one error line naming the target).',
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
  readonly targets: readonly Target[];
  readonly alarms: readonly cloudwatch.Alarm[];
}

/** One dashboard: alarm states, transitions by type, and per target cycle duration, API requests and errors. */
export function createWatcherDashboard(scope: Construct, props: WatcherDashboardProps): cloudwatch.Dashboard {
  const period = Duration.minutes(5);
  const perTarget = (metricName: MetricName, statistic: string) =>
    props.targets.map((target) =>
      watcherMetric(metricName, {
        dimensions: { [MetricDimension.target]: targetDimension(target) },
        statistic,
        period,
        label: targetDimension(target),
      }),
    );
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
      title: 'Cycle duration per target (ms, p90)',
      width: 12,
      left: perTarget(MetricName.CycleDuration, 'p90'),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Jobs API requests per target',
      width: 8,
      left: perTarget(MetricName.ApiRequests, 'Sum'),
    }),
    new cloudwatch.GraphWidget({
      title: 'Errors per target',
      width: 8,
      left: [
        ...perTarget(MetricName.TargetFailed, 'Sum'),
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
  return dashboard;
}
