/** The stack name `cdk deploy` uses unless `-c stackName=...` says otherwise. */
export const DEFAULT_STACK_NAME = 'GeminiDbJobWatcher';

/**
 * The output keys of the watcher stack: what the docs' commands and `doctor` read with
 * `aws cloudformation describe-stacks`. Public like the CLI: add keys, never rename or drop one.
 */
export const StackOutput = {
  topicArn: 'TopicArn',
  tableName: 'TableName',
  credentialsSecret: 'CredentialsSecret',
  alarmTopicArn: 'AlarmTopicArn',
  pollFunctionName: 'PollFunctionName',
  pollLogGroupName: 'PollLogGroupName',
  failureQueueUrl: 'FailureQueueUrl',
  dashboardName: 'DashboardName',
  dashboardUrl: 'DashboardUrl',
  targets: 'Targets',
  cycleRecordedWithinSeconds: 'CycleRecordedWithinSeconds',
  deliveryDeadLetterQueueUrl: 'DeliveryDeadLetterQueueUrl',
  queueUrl: 'QueueUrl',
  queueKeyArn: 'QueueKeyArn',
  queueDeadLetterQueueUrl: 'QueueDeadLetterQueueUrl',
  relaySecret: 'RelaySecret',
  relaySecretName: 'RelaySecretName',
  relayFunctionName: 'RelayFunctionName',
  relayLogGroupName: 'RelayLogGroupName',
  relayDeadLetterQueueUrl: 'RelayDeadLetterQueueUrl',
  relayDestinations: 'RelayDestinations',
} as const;
export type StackOutput = (typeof StackOutput)[keyof typeof StackOutput];

/** The dead-letter queue outputs: `doctor` checks that every one present is empty. */
export const DEAD_LETTER_QUEUE_OUTPUTS = [
  StackOutput.failureQueueUrl,
  StackOutput.deliveryDeadLetterQueueUrl,
  StackOutput.queueDeadLetterQueueUrl,
  StackOutput.relayDeadLetterQueueUrl,
] as const;
