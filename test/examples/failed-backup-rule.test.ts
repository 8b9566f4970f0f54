import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FailedBackupRule } from '../../examples/failed-backup-rule';

/** The pattern as README shows it in JSON. */
const documentedPattern: unknown = JSON.parse(
  readFileSync(new URL('../../examples/failed-backup-pattern.json', import.meta.url), 'utf8'),
);

/** One stack with the rule on an existing bus, targeting a state machine too. */
function synth() {
  // CloudFormation's template validator (a WASM module, seconds to load) is off: the rule's shape is
  // asserted below, and test/infra/watcher-stack.test.ts keeps the validator for the watcher stack.
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'ap-southeast-1' } });
  const eventBus = events.EventBus.fromEventBusName(stack, 'WatcherBus', 'geminidb-events');
  const stateMachine = new sfn.StateMachine(stack, 'OpenTicket', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Ticket')),
  });
  const rule = new FailedBackupRule(stack, 'FailedBackups', { eventBus, stateMachine });
  return { rule, template: Template.fromStack(stack) };
}

describe('examples/failed-backup-rule.ts', () => {
  it('synthesizes the rule with the pattern README shows, on the given bus, to the queue and the state machine', () => {
    const { rule, template } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'geminidb-events',
      EventPattern: documentedPattern,
      State: 'ENABLED',
    });
    const [properties] = Object.values(template.findResources('AWS::Events::Rule')).map(
      (resource) => resource.Properties as { Targets: Record<string, unknown>[] },
    );
    expect(properties?.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FailedBackupsQueue/), 'Arn'] },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FailedBackupsDeadLetterQueue/), 'Arn'] },
        },
      }),
      expect.objectContaining({
        Arn: { Ref: expect.stringMatching(/^OpenTicket/) },
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/Role/), 'Arn'] },
      }),
    ]);
    // EventBridge may send to the queue, and only for this rule.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('Rule'), 'Arn'] } },
            },
          }),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    expect(new AwsSolutionsChecks().validateScope(rule).violations).toEqual([]);
  });
});
