import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DEFAULT_FULL_RESYNC_SECONDS } from '../shared/config';
import { StackOutput } from '../shared/stack-outputs';
import type { WatcherConfig } from './config';
import { addEventBridgeOutputs } from './eventbridge';
import type { JobWatcher } from './job-watcher';

export { DEAD_LETTER_QUEUE_OUTPUTS, StackOutput } from '../shared/stack-outputs';

/** CloudFormation caps an output value at 4,096 characters; a longer target list is left out. */
const MAX_OUTPUT_CHARS = 4096;

/**
 * Every output, in one place: subscribers' (topic, queue), operators' (function and log group names,
 * queue URLs, dashboard, secrets) and `doctor`'s (targets, relay destinations, how old a healthy
 * target's cursor may be). Outputs of parts not deployed are left out.
 */
export function addWatcherOutputs(stack: Stack, watcher: JobWatcher, config: WatcherConfig): void {
  const output = (key: StackOutput, value: string, description: string) =>
    new CfnOutput(stack, key, { value, description });
  output(StackOutput.topicArn, watcher.topic.topicArn, 'SNS topic of the job events: subscribe here');
  output(StackOutput.tableName, watcher.table.tableName, 'DynamoDB table of job state');
  output(
    StackOutput.credentialsSecret,
    watcher.credentialsSecret.secretArn,
    'Put the Huawei credentials document into this secret',
  );
  output(StackOutput.alarmTopicArn, watcher.alarmTopic.topicArn, 'SNS topic of the alarms');
  output(StackOutput.pollFunctionName, watcher.pollFunction.functionName, 'The poll function');
  output(
    StackOutput.pollLogGroupName,
    watcher.pollFunction.logGroup.logGroupName,
    "The poll function's logs",
  );
  output(
    StackOutput.failureQueueUrl,
    watcher.failureQueue.queueUrl,
    'Failed poll invocations (should stay empty)',
  );
  const { region } = stack;
  if (watcher.dashboard !== undefined) {
    output(StackOutput.dashboardName, watcher.dashboard.dashboardName, 'CloudWatch dashboard of the watcher');
    output(
      StackOutput.dashboardUrl,
      `https://console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${watcher.dashboard.dashboardName}`,
      'CloudWatch dashboard of the watcher, in the console',
    );
  }
  const targets = JSON.stringify(config.targets);
  if (targets.length <= MAX_OUTPUT_CHARS) {
    output(StackOutput.targets, targets, 'The watched targets (doctor asks each one for a page of jobs)');
  }
  // A full resync writes every target's cursor, so a healthy one records a cycle at least this often.
  const fullResyncSeconds = config.fullResyncSeconds ?? DEFAULT_FULL_RESYNC_SECONDS;
  output(
    StackOutput.cycleRecordedWithinSeconds,
    String(fullResyncSeconds + 2 * config.pollRateMinutes * 60),
    "Longest a healthy target's cursor goes without a recorded cycle (full resync plus two polls)",
  );
  if (watcher.deliveryDeadLetterQueue) {
    output(
      StackOutput.deliveryDeadLetterQueueUrl,
      watcher.deliveryDeadLetterQueue.queueUrl,
      'Events SNS could not deliver to a webhook or the queue (should stay empty)',
    );
  }
  if (watcher.queue && watcher.queueKey) addQueueOutputs(stack, watcher.queue, watcher.queueKey.keyArn);
  if (watcher.relay) {
    const { relay } = watcher;
    output(
      StackOutput.relaySecret,
      relay.secret.secretArn,
      "Put the relay destinations' webhook URLs and signing keys into this secret",
    );
    output(StackOutput.relaySecretName, relay.secret.secretName, 'Name of the relay secret');
    output(StackOutput.relayFunctionName, relay.function.functionName, 'The relay function');
    output(StackOutput.relayLogGroupName, relay.function.logGroup.logGroupName, "The relay function's logs");
    output(
      StackOutput.relayDeadLetterQueueUrl,
      relay.deadLetterQueue.queueUrl,
      'Events the relay could not deliver (should stay empty)',
    );
    output(
      StackOutput.relayDestinations,
      relay.destinations.map((destination) => destination.name).join(','),
      'Names of the relay destinations: each needs an entry in the relay secret',
    );
  }
  if (watcher.eventBridge) addEventBridgeOutputs(stack, watcher.eventBridge);
}

function addQueueOutputs(stack: Stack, queue: sqs.Queue, keyArn: string): void {
  new CfnOutput(stack, StackOutput.queueUrl, {
    description: 'SQS queue of the job events for automation',
    value: queue.queueUrl,
  });
  new CfnOutput(stack, StackOutput.queueKeyArn, {
    description: 'KMS key of the queue: consumers need kms:Decrypt on it',
    value: keyArn,
  });
  if (queue.deadLetterQueue) {
    new CfnOutput(stack, StackOutput.queueDeadLetterQueueUrl, {
      description: 'Events the automation queue consumers kept failing on (should stay empty)',
      value: queue.deadLetterQueue.queue.queueUrl,
    });
  }
}
