import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Failed GeminiDB backups, as the watcher sends them to EventBridge (`detail` is the CloudEvent). */
export const failedBackupPattern: events.EventPattern = {
  source: ['geminidb-job-watcher'],
  detailType: ['com.huaweicloud.geminidb.job.failed'],
  detail: { data: { job: { name: ['BackupInstance'] } } },
};

export interface FailedBackupRuleProps {
  /** The bus the watcher sends to; the account's default bus when absent. */
  readonly eventBus?: events.IEventBus;
  /** Also start this state machine for each failed backup; its input is the EventBridge event. */
  readonly stateMachine?: sfn.IStateMachine;
}

/** Sends every failed GeminiDB backup to an SQS queue, and optionally to a Step Functions state machine. */
export class FailedBackupRule extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FailedBackupRuleProps = {}) {
    super(scope, id);
    // Events EventBridge could not deliver, and messages the consumer failed five times, land here.
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    const rule = new events.Rule(this, 'Rule', {
      description: 'Failed GeminiDB backups from geminidb-job-watcher',
      eventBus: props.eventBus,
      eventPattern: failedBackupPattern,
    });
    rule.addTarget(new targets.SqsQueue(this.queue, { deadLetterQueue }));
    if (props.stateMachine)
      rule.addTarget(new targets.SfnStateMachine(props.stateMachine, { deadLetterQueue }));
  }
}
