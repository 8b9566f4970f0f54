import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';

/** Construct id of the alarm that fires when no cycle succeeds (infra/monitoring.ts). */
const HEARTBEAT_ALARM_ID = 'HeartbeatAlarm';

/** What {@link pausePolling} stops. */
export interface PausedParts {
  readonly schedules: readonly scheduler.Schedule[];
  readonly alarms: readonly cloudwatch.Alarm[];
}

/**
 * Pauses polling (`enabled: false`): every schedule is disabled and every SQS event source under
 * `scope` (the sub-tick queue, whose delayed messages would otherwise keep polling targets with open
 * jobs, and the fan-out queue) stops invoking; queued messages expire with their short retention.
 * Nothing is deleted: the table keeps the cursors and job states, and `enabled: true` resumes from
 * them (the first tick sends its sub-ticks again). The heartbeat alarm treats the
 * missing cycles as expected, so a pause does not page anyone.
 */
export function pausePolling(scope: Construct, { schedules, alarms }: PausedParts): void {
  for (const schedule of schedules) {
    (schedule.node.defaultChild as scheduler.CfnSchedule).state = 'DISABLED';
  }
  for (const mapping of scope.node.findAll()) {
    if (mapping instanceof lambda.CfnEventSourceMapping) mapping.enabled = false;
  }
  for (const alarm of alarms) {
    if (alarm.node.id !== HEARTBEAT_ALARM_ID) continue;
    (alarm.node.defaultChild as cloudwatch.CfnAlarm).treatMissingData = 'notBreaching';
  }
}
