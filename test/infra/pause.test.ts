import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { JobWatcher } from '../../infra/job-watcher';
import { FULL_CONFIG, NO_BUNDLING, watcherApp } from './support';

/** Synthesizing loads most of aws-cdk-lib: generous on a loaded machine. */
const SYNTH_TIMEOUT_MS = 120_000;

function template(raw: unknown): Template {
  return Template.fromStack(watcherApp(raw, NO_BUNDLING).stack);
}

describe('pausePolling (enabled: false)', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('disables the schedule and keeps the table, function and every subscription', () => {
    const running = template(FULL_CONFIG);
    const paused = template({ ...FULL_CONFIG, enabled: false });
    running.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'ENABLED' });
    paused.allResourcesProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::Lambda::Function',
      'AWS::SNS::Subscription',
      'AWS::SQS::Queue',
    ]) {
      expect(Object.keys(paused.findResources(type)), type).toEqual(Object.keys(running.findResources(type)));
    }
    paused.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('stops the sub-tick queue invoking the function, which would keep polling targets with running jobs', () => {
    const subTicks = {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherSubTickQueue'), 'Arn'] },
    };
    template(FULL_CONFIG).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ...subTicks,
      Enabled: Match.absent(),
    });
    const paused = template({ ...FULL_CONFIG, enabled: false });
    paused.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ...subTicks, Enabled: false });
    paused.allResourcesProperties('AWS::Lambda::EventSourceMapping', { Enabled: false });
  });

  it('keeps the heartbeat alarm quiet while paused and breaching while running', () => {
    const heartbeat = { MetricName: 'CycleSucceeded' };
    template(FULL_CONFIG).hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...heartbeat,
      TreatMissingData: 'breaching',
    });
    const paused = template({ ...FULL_CONFIG, enabled: false });
    paused.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...heartbeat,
      TreatMissingData: 'notBreaching',
    });
    // The other alarms are untouched: the poll errors alarm keeps its actions.
    paused.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.anyValue(),
      ActionsEnabled: Match.absent(),
      TreatMissingData: 'notBreaching',
    });
  });

  it('disables every fan-out schedule and the target queue event source too', () => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'FanOut');
    const targets = Array.from({ length: 3 }, (_, index) => ({
      region: 'ap-southeast-1',
      projectId: `p${index}`,
    }));
    new JobWatcher(stack, 'Watcher', {
      targets,
      fanOut: { mode: 'sqs', targetsPerMessage: 1 },
      enabled: false,
    });
    const paused = Template.fromStack(stack);
    paused.resourceCountIs('AWS::Scheduler::Schedule', 3);
    paused.allResourcesProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
    paused.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    paused.allResourcesProperties('AWS::Lambda::EventSourceMapping', { Enabled: false });
  });
});
