import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FULL_CONFIG, NO_BUNDLING, watcherApp } from './support';

/** Synthesizing loads most of aws-cdk-lib: generous on a loaded machine. */
const SYNTH_TIMEOUT_MS = 120_000;

function template(raw: unknown): Template {
  return Template.fromStack(watcherApp(raw, NO_BUNDLING).stack);
}

describe('pauseSchedules (enabled: false)', { timeout: SYNTH_TIMEOUT_MS }, () => {
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
});
