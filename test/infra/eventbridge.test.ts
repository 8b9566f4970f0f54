import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { EventBridgePropsError } from '../../infra/eventbridge';
import { JobWatcher } from '../../infra/job-watcher';
import { eventBridgeSchemaDocument, readJobEventSchema } from '../../infra/openapi-schema';
import { LAMBDA_ENV } from '../../shared/contract';
import { MINIMAL_CONFIG, NO_BUNDLING, watcherApp } from './support';

const BUS_ARN = 'arn:aws:events:ap-southeast-1:123456789012:event-bus/shared-jobs';
const TYPES = [
  'com.huaweicloud.geminidb.job.started',
  'com.huaweicloud.geminidb.job.progressed',
  'com.huaweicloud.geminidb.job.completed',
  'com.huaweicloud.geminidb.job.failed',
  'com.huaweicloud.geminidb.job.status_changed',
  'com.huaweicloud.geminidb.job.stalled',
];

/** The stack of a config with `eventBridge`, synthesized without bundling. */
function template(eventBridge: unknown) {
  const { app, stack } = watcherApp({ ...MINIMAL_CONFIG, eventBridge }, NO_BUNDLING);
  return { app, template: Template.fromStack(stack) };
}

/** Every IAM statement of the template that names an `events:` action. */
function eventStatements(t: Template): unknown[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('events:')),
    ),
  );
}

/** The ARN CDK builds for a bus named in the stack's account and region. */
const busArnOf = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':events:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:event-bus/${name}`,
    ],
  ],
});

describe('JobWatcher EventBridge delivery', () => {
  it('creates a bus, lets the poll function put events on it alone, and archives them for the days set', () => {
    const { template: t, app } = template({
      bus: { create: true, name: 'geminidb-jobs' },
      archive: { retentionDays: 30 },
    });
    t.resourceCountIs('AWS::Events::EventBus', 1);
    t.hasResourceProperties('AWS::Events::EventBus', { Name: 'geminidb-jobs' });
    const [busId] = Object.keys(t.findResources('AWS::Events::EventBus'));
    expect(eventStatements(t)).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } },
    ]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [LAMBDA_ENV.eventBus]: { 'Fn::GetAtt': [busId, 'Arn'] } }),
      },
    });
    t.resourceCountIs('AWS::Events::Archive', 1);
    t.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: ['geminidb-job-watcher'] },
      RetentionDays: 30,
    });
    t.hasOutput('EventBusArn', { Value: { 'Fn::GetAtt': [busId, 'Arn'] } });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('puts events on the default bus when bus is left out, with no bus and no archive created', () => {
    const { template: t } = template({});
    t.resourceCountIs('AWS::Events::EventBus', 0);
    t.resourceCountIs('AWS::Events::Archive', 0);
    expect(eventStatements(t)).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: busArnOf('default') },
    ]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [LAMBDA_ENV.eventBus]: 'default' }) },
    });
  });

  it('puts events on an existing bus by ARN, granted on that ARN only', () => {
    const { template: t, app } = template({ bus: BUS_ARN });
    t.resourceCountIs('AWS::Events::EventBus', 0);
    expect(eventStatements(t)).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: BUS_ARN }]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [LAMBDA_ENV.eventBus]: BUS_ARN }) },
    });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('archives an existing bus named in the stack account', () => {
    const { template: t } = template({ bus: 'shared-jobs', archive: { retentionDays: 7 } });
    expect(eventStatements(t)).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: busArnOf('shared-jobs') },
    ]);
    t.hasResourceProperties('AWS::Events::Archive', { SourceArn: busArnOf('shared-jobs'), RetentionDays: 7 });
  });

  it('registers one OpenAPI 3 schema per detail type in a registry of its own', () => {
    const { template: t } = template({ schemaRegistryName: 'geminidb-job-watcher' });
    t.resourceCountIs('AWS::EventSchemas::Registry', 1);
    t.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'geminidb-job-watcher' });
    const [registryId] = Object.keys(t.findResources('AWS::EventSchemas::Registry'));
    const schemas = Object.values(t.findResources('AWS::EventSchemas::Schema')).map(
      (resource) => resource.Properties,
    );
    expect(schemas.map((schema) => schema.SchemaName)).toEqual(
      TYPES.map((type) => `geminidb-job-watcher@${type}`),
    );
    const contract = readJobEventSchema();
    for (const [index, schema] of schemas.entries()) {
      expect(schema).toMatchObject({
        Type: 'OpenApi3',
        RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] },
      });
      expect(JSON.parse(schema.Content)).toEqual(eventBridgeSchemaDocument(contract, TYPES[index] ?? ''));
    }
    t.hasOutput('SchemaRegistryName', { Value: { 'Fn::GetAtt': [registryId, 'RegistryName'] } });
  });

  it('adds nothing of EventBridge without the eventBridge field', () => {
    const t = Template.fromStack(watcherApp(MINIMAL_CONFIG, NO_BUNDLING).stack);
    for (const type of ['AWS::Events::EventBus', 'AWS::Events::Archive', 'AWS::EventSchemas::Registry']) {
      t.resourceCountIs(type, 0);
    }
    expect(eventStatements(t)).toEqual([]);
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables).not.toHaveProperty(LAMBDA_ENV.eventBus);
  });
});

describe('JobWatcher eventBridge prop', () => {
  /** A JobWatcher in a stack of a known account and region. */
  function watcher(eventBridge: ConstructorParameters<typeof JobWatcher>[2]['eventBridge']) {
    const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'ap-southeast-1' } });
    const created = new JobWatcher(stack, 'Watcher', {
      targets: [{ region: 'ap-southeast-1', projectId: 'p1' }],
      ...(eventBridge ? { eventBridge } : {}),
    });
    return { stack, created };
  }

  it('takes an IEventBus and exposes a created bus', () => {
    const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Stack');
    const bus = new events.EventBus(stack, 'Mine');
    const given = new JobWatcher(stack, 'Watcher', {
      targets: [{ region: 'ap-southeast-1', projectId: 'p1' }],
      eventBridge: { bus },
    });
    expect(given.eventBridge?.bus).toBe(bus);
    expect(given.eventBridge?.createdBus).toBeUndefined();
    const { created } = watcher({ bus: { create: true } });
    expect(created.eventBridge?.createdBus).toBeInstanceOf(events.EventBus);
    expect(created.eventBridge?.bus).toBe(created.eventBridge?.createdBus);
  });

  it.each<[string, ConstructorParameters<typeof JobWatcher>[2]['eventBridge'], RegExp]>([
    [
      'an archive on a bus of another account',
      {
        bus: 'arn:aws:events:ap-southeast-1:999999999999:event-bus/theirs',
        archiveRetention: Duration.days(7),
      },
      /^eventBridge\.archive: the bus .* is in another account or region than the stack/,
    ],
    [
      'an archive on a bus of another region',
      { bus: 'arn:aws:events:eu-west-1:123456789012:event-bus/mine', archiveRetention: Duration.days(7) },
      /another account or region/,
    ],
    ['a retention under a day', { archiveRetention: Duration.hours(12) }, /at least one day/],
    ['a bus that is no bus', { bus: 'not a bus' }, /^eventBridge\.bus: "not a bus" is not a bus name/],
  ])('refuses %s, naming the prop', (_label, eventBridge, message) => {
    expect(() => watcher(eventBridge)).toThrow(EventBridgePropsError);
    expect(() => watcher(eventBridge)).toThrow(message);
  });
});
