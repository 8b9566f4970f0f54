import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { JobWatcher, type JobWatcherProps, JobWatcherPropsError } from '../../infra/job-watcher';
import { NO_BUNDLING } from './support';

const targets = Array.from({ length: 25 }, (_, index) => ({
  region: 'ap-southeast-1',
  projectId: `p${String(index).padStart(2, '0')}`,
}));

function synth(props: Partial<JobWatcherProps>) {
  const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'FanOut');
  const watcher = new JobWatcher(stack, 'Watcher', { targets, ...props });
  return { app, watcher, template: Template.fromStack(stack) };
}

describe('JobWatcher fanOut', () => {
  it('queues the targets in slices, one schedule each, for concurrent poll invocations', () => {
    const { app, watcher, template } = synth({
      fanOut: { mode: 'sqs', targetsPerMessage: 10, maxWorkers: 20 },
    });

    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (schedule) => JSON.parse(schedule.Properties.Target.Input as string).targets as unknown[],
    );
    expect(inputs.map((slice) => slice.length)).toEqual([10, 10, 5]);
    // Whole targets: the function has no list to look keys up in.
    expect(inputs.flat()).toEqual(targets);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables).not.toHaveProperty('WATCHER_TARGETS');
    template.allResourcesProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TargetQueue'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      }),
    });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TargetQueue'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 2, deadLetterTargetArn: Match.anyValue() },
    });
    expect(watcher.targetQueue).toBeDefined();
    expect(watcher.schedules).toHaveLength(3);
    expect(watcher.alarms.some((alarm) => alarm.node.path.includes('TargetDeadLetterQueue'))).toBe(true);
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('invokes the poll function directly from one schedule without fan-out', () => {
    const { watcher, template } = synth({});
    // The sub-tick queue's only.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SubTickQueue'), 'Arn'] },
    });
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PollFunction'), 'Arn'] } }),
    });
    expect(watcher.targetQueue).toBeUndefined();
    expect(synth({ fanOut: { mode: 'none' } }).template.toJSON()).toEqual(synth({}).template.toJSON());
  });

  it.each([
    [{ mode: 'sqs', targetsPerMessage: 0 }, /fanOut.targetsPerMessage \(0\)/],
    [{ mode: 'sqs', maxWorkers: 1 }, /fanOut.maxWorkers \(1\).*2 to 1000/],
  ] as const)('refuses %o naming the prop', (fanOut, message) => {
    expect(() => synth({ fanOut })).toThrow(JobWatcherPropsError);
    expect(() => synth({ fanOut })).toThrow(message);
  });
});
