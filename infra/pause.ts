import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';

/** Construct id of the alarm that fires when no cycle succeeds (infra/monitoring.ts). */
const HEARTBEAT_ALARM_ID = 'HeartbeatAlarm';

/**
 * Pauses polling (`enabled: false`): every schedule is disabled, so nothing starts a poll; a
 * follow-up already queued runs out within its delay. Nothing is deleted: the table keeps the
 * cursors and job states, and a later `enabled: true` resumes from them. The heartbeat alarm treats
 * the missing cycles as expected, so a pause does not page anyone.
 */
export function pauseSchedules(
  schedules: readonly scheduler.Schedule[],
  alarms: readonly cloudwatch.Alarm[],
): void {
  for (const schedule of schedules) {
    (schedule.node.defaultChild as scheduler.CfnSchedule).state = 'DISABLED';
  }
  for (const alarm of alarms) {
    if (alarm.node.id !== HEARTBEAT_ALARM_ID) continue;
    (alarm.node.defaultChild as cloudwatch.CfnAlarm).treatMissingData = 'notBreaching';
  }
}
