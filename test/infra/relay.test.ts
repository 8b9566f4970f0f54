import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, NODE_TARGET, REPO_ROOT } from '../../infra/bundling';
import { parseWatcherConfig } from '../../infra/config';
import { JobWatcher } from '../../infra/job-watcher';
import { RELAY_ENTRY, RELAY_SECRET_INSTRUCTIONS, RelayPropsError } from '../../infra/relay';
import type { WatcherStack } from '../../infra/watcher-stack';
import { RELAY_ENV } from '../../shared/relay/contract';
import { parseDestinations } from '../../shared/relay/destinations';
import { acknowledgements, MINIMAL_CONFIG, NO_BUNDLING, watcherApp } from './support';

const RELAY = {
  destinations: [
    { name: 'ops-slack', kind: 'slack', filter: { types: ['failed', 'stalled'] } },
    { name: 'dba-teams', kind: 'teams', filter: { instances: ['nosql-12f5'] } },
    { name: 'automation', kind: 'webhook', maxAttempts: 3 },
  ],
} as const;
const RELAY_CONFIG = { ...MINIMAL_CONFIG, relay: RELAY };

const arnOf = (logicalIdPrefix: string) => ({
  'Fn::GetAtt': [Match.stringLikeRegexp(`^${logicalIdPrefix}`), 'Arn'],
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The stack with a relay, synthesized without bundling (the poll bundle and CloudFormation
 * validation are covered in watcher-stack.test.ts; the relay bundle is built below with esbuild).
 */
let app: App;
let stack: WatcherStack;
let template: Template;
beforeAll(() => {
  ({ app, stack } = watcherApp(RELAY_CONFIG, NO_BUNDLING));
  app.synth();
  template = Template.fromStack(stack);
});

interface FunctionResource {
  readonly Properties: Record<string, unknown> & {
    readonly Environment: { readonly Variables: Record<string, unknown> };
  };
}

function relayFunction(): FunctionResource {
  const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
  const relay = functions.find(([logicalId]) => logicalId.startsWith('WatcherRelayFunction'));
  if (!relay) throw new Error(`no relay function among ${functions.map(([id]) => id).join(', ')}`);
  return relay[1] as FunctionResource;
}

describe('JobWatcher relay', () => {
  it("bundles the relay function with the poll function's esbuild settings, the AWS SDK left out", async () => {
    const result = await build({
      entryPoints: [RELAY_ENTRY],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: NODE_TARGET,
      minify: true,
      mainFields: ['module', 'main'],
      external: EXTERNAL_MODULES,
      banner: { js: ESM_REQUIRE_BANNER },
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('functions/relay-handler.ts');
    expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/'))).toBe(false);
    expect(result.outputFiles[0]?.contents.byteLength).toBeLessThan(1_500_000);
  });

  it('runs the relay function on nodejs24.x and ARM64 next to the poll function', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    expect(relayFunction().Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
    });
  });

  it('gives the function the destinations without secrets, as the handler reads them back', () => {
    const env = relayFunction().Properties.Environment.Variables;
    expect(parseDestinations(JSON.parse(env[RELAY_ENV.destinations] as string))).toEqual(
      parseDestinations(RELAY.destinations),
    );
    expect(env[RELAY_ENV.secretId]).toEqual({ Ref: expect.stringMatching(/^WatcherRelaySecret/) });
    expect(env).toMatchObject({ POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' });
  });

  it('creates the relay secret with no URL in it and instructions in its description', () => {
    const secrets = Object.entries(template.findResources('AWS::SecretsManager::Secret'));
    const relaySecret = secrets.find(([logicalId]) => logicalId.startsWith('WatcherRelaySecret'));
    expect(relaySecret?.[1].Properties).toEqual({
      Description: RELAY_SECRET_INSTRUCTIONS,
      SecretString: '{"destinations":{}}',
    });
    expect(Object.keys(template.findOutputs('RelaySecret'))).toEqual(['RelaySecret']);
  });

  it('subscribes the function to the topic, with the relay dead-letter queue behind the subscription', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: arnOf('WatcherRelayFunction'),
      TopicArn: { Ref: Match.stringLikeRegexp('^WatcherTopic') },
      RedrivePolicy: { deadLetterTargetArn: arnOf('WatcherRelayRelayDeadLetterQueue') },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: arnOf('WatcherRelayFunction'),
    });
  });

  it('never retries an invocation (the others would get the event twice) and dead-letters a failed one', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^WatcherRelayFunction') },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: arnOf('WatcherRelayRelayDeadLetterQueue') } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Dead-letter queue RelayDeadLetterQueue holds messages'),
      Threshold: 1,
    });
  });

  it('lets the relay read its own secret and write its queue and logs, and nothing of the poller', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([logicalId]) =>
      logicalId.startsWith('WatcherRelayRole'),
    );
    const statements = policies.flatMap(
      ([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
    );
    const text = JSON.stringify(statements);
    expect(text).toContain('secretsmanager:GetSecretValue');
    expect(text).toMatch(/"Ref":"WatcherRelaySecret/);
    expect(text).toContain('sqs:SendMessage');
    expect(text).not.toMatch(/WatcherCredentialsSecret|WatcherTable|dynamodb:|sns:Publish|kms:/);
  });

  it('synthesizes with no cdk-nag finding, each acknowledgement silencing a real one', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    const relayAcks = acknowledgements(app).filter(({ path }) => path.includes('/Relay/'));
    expect(relayAcks.map(({ id, path }) => `${id} ${path}`)).toEqual([
      'AwsSolutions-SMG4 GeminiDbJobWatcher/Watcher/Relay/Secret',
      'AwsSolutions-SQS3 GeminiDbJobWatcher/Watcher/Relay/RelayDeadLetterQueue',
    ]);
    for (const { reason } of relayAcks) expect(reason.length).toBeGreaterThan(80);

    const acknowledged = acknowledgements(app);
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
    const findings = new AwsSolutionsChecks()
      .validateScope(watcherApp(RELAY_CONFIG, NO_BUNDLING).app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath}`),
      );
    expect(findings.sort()).toEqual(acknowledged.map(({ id, path }) => `${id} ${path}/Resource`).sort());
  });

  it('is absent unless configured', () => {
    const { stack: plain } = watcherApp(MINIMAL_CONFIG, NO_BUNDLING);
    Template.fromStack(plain).resourceCountIs('AWS::Lambda::Function', 1);
    expect(Object.keys(Template.fromStack(plain).findOutputs('RelaySecret'))).toEqual([]);
  });
});

describe('JobWatcher relay props', () => {
  function construct(relay: unknown, secret?: (stack: Stack) => secretsmanager.ISecret) {
    const stack = new Stack(
      new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false }),
      'Test',
    );
    new JobWatcher(stack, 'Watcher', {
      targets: [{ region: 'ap-southeast-1', projectId: 'p1' }],
      relay: { ...(relay as object), ...(secret ? { secret: secret(stack) } : {}) } as never,
    });
    return stack;
  }

  it('uses an existing secret instead of creating one', () => {
    const arn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:geminidb/relay-AbCdEf';
    const stack = construct(RELAY, (scope) =>
      secretsmanager.Secret.fromSecretCompleteArn(scope, 'Existing', arn),
    );
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [RELAY_ENV.secretId]: arn }) },
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['no destination', { destinations: [] }, /relay\.destinations lists no destination/],
    [
      'an unknown kind',
      { destinations: [{ name: 'a', kind: 'fax' }] },
      /relay\.destinations\.0\.kind: must be slack, teams or webhook/,
    ],
    [
      'a URL among the destinations',
      { destinations: [{ name: 'a', kind: 'slack', url: 'https://hooks.slack.com/x' }] },
      /Unrecognized key: "url"/,
    ],
    [
      'a timeout shorter than one attempt',
      { destinations: [{ name: 'a', kind: 'slack', timeoutMs: 10_000 }], timeout: Duration.seconds(10) },
      /relay\.timeout \(10 s\) leaves no room for one 10000 ms delivery attempt: raise relay\.timeout to at least 14 s/,
    ],
  ])('refuses %s, naming the prop', (_case, relay, message) => {
    expect(() => construct(relay)).toThrow(RelayPropsError);
    expect(() => construct(relay)).toThrow(message);
  });
});

describe('relay in the config file', () => {
  it('takes destinations with defaults applied', () => {
    expect(parseWatcherConfig(RELAY_CONFIG).relay?.destinations[2]).toEqual({
      name: 'automation',
      kind: 'webhook',
      timeoutMs: 5_000,
      maxAttempts: 3,
    });
  });

  it.each<[unknown, string]>([
    [
      { destinations: [] },
      'watcher.config.json: relay.destinations: lists no destination: add one or leave relay out',
    ],
    [
      { destinations: [{ name: 'a', kind: 'pager' }] },
      'watcher.config.json: relay.destinations[0].kind: must be slack, teams or webhook',
    ],
    [
      { destinations: [{ name: 'a', kind: 'slack' }], secret: 'x' },
      'watcher.config.json: relay: Unrecognized key: "secret"',
    ],
  ])('names the file and field of a bad relay: %j', (relay, message) => {
    expect(() => parseWatcherConfig({ ...MINIMAL_CONFIG, relay })).toThrow(message);
  });
});
