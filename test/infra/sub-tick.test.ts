import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { JobWatcher, type JobWatcherProps } from '../../infra/job-watcher';
import { LAMBDA_ENV } from '../../shared/contract';
import { NO_BUNDLING } from './support';

const targets = [{ region: 'ap-southeast-1', projectId: 'p01' }];

function synth(props: Partial<JobWatcherProps> = {}) {
  const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'SubTick');
  const watcher = new JobWatcher(stack, 'Watcher', { targets, ...props });
  return { app, watcher, template: Template.fromStack(stack) };
}

const subTickArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherSubTickQueue'), 'Arn'] };

describe('JobWatcher sub-tick queue', () => {
  it('is an encrypted, TLS-only standard queue with a short retention and no dead-letter queue', () => {
    const { watcher, template } = synth();
    expect(watcher.subTickQueue).toBeDefined();
    const queues = template.findResources('AWS::SQS::Queue', {
      Properties: { SqsManagedSseEnabled: true, VisibilityTimeout: 360 },
    });
    const [queue] = Object.entries(queues).filter(([id]) => id.startsWith('WatcherSubTickQueue'));
    // SQS's longest delay (900) + six function timeouts (360) + a minute: one retry of a message an invocation died on.
    expect(queue?.[1].Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 1320,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue?.[0] }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
  });

  it('triggers the poll function one message at a time with partial batch responses', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: subTickArn,
      FunctionName: { Ref: Match.stringLikeRegexp('^WatcherPollFunction') },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets the poll function send to that queue only, and gives it the URL', () => {
    const { template } = synth();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const sending = statements.filter((statement) => [statement.Action].flat().includes('sqs:SendMessage'));
    expect(sending.map((statement) => JSON.stringify(statement.Resource))).toEqual(
      expect.arrayContaining([expect.stringMatching(/WatcherSubTickQueue/)]),
    );
    for (const statement of sending) {
      expect(JSON.stringify(statement.Resource)).toMatch(/WatcherSubTickQueue|WatcherFailureQueue/);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [LAMBDA_ENV.subTickQueueUrl]: { Ref: Match.stringLikeRegexp('^WatcherSubTickQueue') },
        }),
      },
    });
  });

  it('sizes the retention from the longest delay and the timeout', () => {
    const { template } = synth({ fastPollSeconds: 120, timeout: Duration.seconds(30), leaseSeconds: 60 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 900 + 180 + 60,
    });
  });

  it('is not created with fast polling off (fastPollSeconds 0), nor is its variable', () => {
    const { watcher, template } = synth({ fastPollSeconds: 0 });
    expect(watcher.subTickQueue).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables).not.toHaveProperty(LAMBDA_ENV.subTickQueueUrl);
    expect(fn?.Properties.Environment.Variables).toMatchObject({ WATCHER_FAST_POLL_SECONDS: '0' });
  });

  it('sits beside the fan-out queue, each with its own event source, and cdk-nag finds nothing unacknowledged', () => {
    const { app, template } = synth({ fanOut: { mode: 'sqs', maxWorkers: 7 } });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    // Sub-ticks of many slices are spread over as many workers as the fan-out's.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: subTickArn,
      ScalingConfig: { MaximumConcurrency: 7 },
    });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(synth().app).violations).toEqual([]);
  });
});
