import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_QUEUE_OUTPUTS, StackOutput } from '../../infra/outputs';
import { FULL_CONFIG, MINIMAL_CONFIG, NO_BUNDLING, watcherApp } from './support';

/** Every optional part on: queue, webhooks, relay and fan-out. */
const EVERYTHING = {
  ...FULL_CONFIG,
  relay: {
    destinations: [
      { name: 'ops-slack', kind: 'slack' },
      { name: 'automation', kind: 'webhook' },
    ],
  },
};

/** One synthesized stack of each kind, shared by the file's tests. */
let full: Template;
let minimal: Template;
beforeAll(() => {
  full = Template.fromStack(watcherApp(EVERYTHING, NO_BUNDLING).stack);
  minimal = Template.fromStack(watcherApp(MINIMAL_CONFIG, NO_BUNDLING).stack);
});

const ref = (logicalIdPrefix: string) => ({ Ref: Match.stringLikeRegexp(`^${logicalIdPrefix}`) });

describe('WatcherStack outputs', () => {
  it('names the poll function, its log group, the failure queue and the dashboard', () => {
    full.hasOutput(StackOutput.pollFunctionName, { Value: ref('WatcherPollFunction') });
    full.hasOutput(StackOutput.pollLogGroupName, { Value: ref('WatcherPollLogs') });
    full.hasOutput(StackOutput.failureQueueUrl, { Value: ref('WatcherFailureQueue') });
    full.hasOutput(StackOutput.dashboardName, { Value: ref('WatcherDashboard') });
    const url = JSON.stringify(full.findOutputs(StackOutput.dashboardUrl));
    expect(url).toContain('https://console.aws.amazon.com/cloudwatch/home?region=');
    expect(url).toContain('#dashboards:name=');
    expect(url).toMatch(/"Ref":"WatcherDashboard/);
  });

  it('names the relay function, its log group, its secret, its dead-letter queue and its destinations', () => {
    full.hasOutput(StackOutput.relayFunctionName, { Value: ref('WatcherRelayFunction') });
    full.hasOutput(StackOutput.relayLogGroupName, { Value: ref('WatcherRelayLogs') });
    full.hasOutput(StackOutput.relaySecret, { Value: ref('WatcherRelaySecret') });
    full.hasOutput(StackOutput.relaySecretName, { Value: Match.anyValue() });
    full.hasOutput(StackOutput.relayDeadLetterQueueUrl, { Value: ref('WatcherRelayRelayDeadLetterQueue') });
    full.hasOutput(StackOutput.relayDestinations, { Value: 'ops-slack,automation' });
  });

  it('keeps the outputs subscribers used before: topic, table, secret, alarm topic, queue and key', () => {
    full.hasOutput(StackOutput.topicArn, { Value: ref('WatcherTopic') });
    full.hasOutput(StackOutput.tableName, { Value: ref('WatcherTable') });
    full.hasOutput(StackOutput.credentialsSecret, { Value: ref('WatcherCredentialsSecret') });
    full.hasOutput(StackOutput.alarmTopicArn, { Value: ref('WatcherAlarmTopic') });
    full.hasOutput(StackOutput.queueUrl, { Value: ref('WatcherQueue') });
    full.hasOutput(StackOutput.queueKeyArn, { Value: Match.anyValue() });
  });

  it('lists every dead-letter queue the stack has, and only those', () => {
    const present = (template: Template) =>
      DEAD_LETTER_QUEUE_OUTPUTS.filter((key) => Object.keys(template.findOutputs(key)).length > 0);
    expect(present(full)).toEqual([
      StackOutput.failureQueueUrl,
      StackOutput.deliveryDeadLetterQueueUrl,
      StackOutput.queueDeadLetterQueueUrl,
      StackOutput.relayDeadLetterQueueUrl,
    ]);
    full.hasOutput(StackOutput.queueDeadLetterQueueUrl, { Value: ref('WatcherQueueDeadLetterQueue') });
    full.hasOutput(StackOutput.deliveryDeadLetterQueueUrl, { Value: ref('WatcherDeliveryDeadLetterQueue') });
    expect(present(minimal)).toEqual([StackOutput.failureQueueUrl]);
    expect(Object.keys(minimal.findOutputs(StackOutput.relayFunctionName))).toEqual([]);
  });

  it('gives doctor the targets and how old a healthy cursor may be', () => {
    full.hasOutput(StackOutput.targets, { Value: JSON.stringify(FULL_CONFIG.targets) });
    // The default full resync (3600 s) plus two polls of a minute.
    full.hasOutput(StackOutput.cycleRecordedWithinSeconds, { Value: '3720' });
  });

  it('leaves the targets out when their JSON passes the 4,096 characters CloudFormation allows an output', () => {
    const targets = Array.from({ length: 100 }, (_, index) => ({
      region: 'ap-southeast-1',
      projectId: `${String(index).padStart(4, '0')}b4a43100d4f32f51c01c2fe4ac`,
    }));
    const template = Template.fromStack(watcherApp({ targets }, NO_BUNDLING).stack);
    expect(Object.keys(template.findOutputs(StackOutput.targets))).toEqual([]);
    template.hasOutput(StackOutput.topicArn, { Value: ref('WatcherTopic') });
  });
});
