import { readFileSync } from 'node:fs';
import { App, type IPolicyValidationPluginBeta1, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAME } from '../shared/stack-outputs';
import { REPO_ROOT } from './bundling';
import type { WatcherConfig } from './config';
import { WatcherStack } from './watcher-stack';

export { DEFAULT_STACK_NAME } from '../shared/stack-outputs';

/** The context of `cdk.json` (feature flags): the app uses it also when run without the CDK CLI. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(`${REPO_ROOT}cdk.json`, 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** Options of {@link createWatcherApp}. */
export interface WatcherAppOptions {
  readonly config: WatcherConfig;
  /** Extra context on top of cdk.json's. */
  readonly context?: Record<string, unknown>;
  /** Cloud assembly directory. @default CDK_OUTDIR, else a temporary directory */
  readonly outdir?: string;
  /**
   * Run CDK's built-in CloudFormation template validation at synth (it catches e.g. circular
   * dependencies, and takes seconds).
   * @default true
   */
  readonly cloudFormationValidation?: boolean;
  /**
   * More policy validation plugins run at synth beside cdk-nag, e.g. the Control Tower guard rules
   * (`scripts/guard.ts`, test/infra/compliance.test.ts).
   * @default - none
   */
  readonly validationPlugins?: readonly IPolicyValidationPluginBeta1[];
}

/**
 * The CDK app with the watcher stack and the cdk-nag AwsSolutions checks, which run when the app
 * synthesizes: `infra/app.ts` for `npm run synth` and `cdk deploy`, the tests for their assertions.
 */
export function createWatcherApp(options: WatcherAppOptions): { app: App; stack: WatcherStack } {
  const app = new App({
    context: { ...cdkJsonContext(), ...options.context },
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    builtinCloudFormationValidation: options.cloudFormationValidation ?? true,
  });
  const stackName = String(app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new WatcherStack(app, stackName, {
    config: options.config,
    description:
      'GeminiDB job watcher: polls Huawei Cloud GeminiDB jobs and publishes each transition to SNS',
    ...(account && region ? { env: { account, region } } : {}),
    ...(Object.keys(options.config.tags).length > 0 ? { tags: options.config.tags } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), ...(options.validationPlugins ?? []));
  return { app, stack };
}
