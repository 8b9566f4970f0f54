import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { WatcherConfig } from '../../infra/config';
import { createWatcherApp } from '../../infra/watcher-app';

/** Where the pinned `@cdklabs/cdk-validator-cfnguard` lives: its cfn-guard binary and the Control Tower rules. */
const PACKAGE_DIR = dirname(
  createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard/package.json'),
);
const METADATA_DIR = join(PACKAGE_DIR, 'rules', 'control-tower', 'metadata');

/** A Control Tower proactive control as its metadata describes it. */
export interface Control {
  /** `CT.SQS.PR.1`. */
  readonly id: string;
  readonly title: string;
  /** CloudFormation resource types the rule evaluates. */
  readonly resourceTypes: readonly string[];
}

/** The guard rules' verdict on one synthesized stack. */
export interface GuardRun {
  /** Controls whose rule evaluates a resource type the stack has, sorted by id. */
  readonly evaluated: readonly Control[];
  /** Control id to the logical ids of the resources that violate it. */
  readonly failed: ReadonlyMap<string, readonly string[]>;
  /** Evaluated controls without a violation. */
  readonly passed: readonly string[];
}

/** Every Control Tower control the package ships a rule for. */
export function controlTowerControls(): Control[] {
  const controls: Control[] = [];
  for (const service of readdirSync(METADATA_DIR)) {
    for (const file of readdirSync(join(METADATA_DIR, service))) {
      const metadata = JSON.parse(readFileSync(join(METADATA_DIR, service, file), 'utf8')) as {
        Id: string;
        DisplayName: string;
        EvaluatedResourceTypes: string[];
      };
      controls.push({
        id: metadata.Id,
        title: metadata.DisplayName,
        resourceTypes: metadata.EvaluatedResourceTypes,
      });
    }
  }
  return controls.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      description: string;
      violatingConstructs: { cloudFormationResource?: { logicalId: string } }[];
    }[];
  }[];
}

/**
 * Synthesizes the watcher app for `config` into `outdir` with the Control Tower guard rules as a CDK
 * policy validation plugin (beside cdk-nag), and reads the verdict from the validation report CDK
 * writes when a plugin fails. Bundling is skipped: no control looks at the function code.
 */
export function runControlTowerGuard(config: WatcherConfig, outdir: string): GuardRun {
  const { app, stack } = createWatcherApp({
    config,
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    cloudFormationValidation: false,
    validationPlugins: [new CfnGuardValidator()],
  });
  try {
    app.synth();
  } catch (error) {
    if (!existsSync(join(outdir, 'validation-report.json'))) throw error;
  }
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  const types = new Set(Object.values(template.Resources).map((resource) => resource.Type));
  const evaluated = controlTowerControls().filter((control) =>
    control.resourceTypes.some((type) => types.has(type)),
  );
  const failed = violationsOf(outdir);
  return {
    evaluated,
    failed,
    passed: evaluated.map((control) => control.id).filter((id) => !failed.has(id)),
  };
}

function violationsOf(outdir: string): Map<string, string[]> {
  const failed = new Map<string, string[]>();
  const path = join(outdir, 'validation-report.json');
  if (!existsSync(path)) return failed;
  const report = JSON.parse(readFileSync(path, 'utf8')) as ValidationReport;
  for (const plugin of report.pluginReports) {
    if (plugin.pluginName !== 'cdk-validator-cfnguard') continue;
    for (const violation of plugin.violations) {
      const id = /^\[(CT\.[A-Z0-9.]+)\]/.exec(violation.description)?.[1] ?? violation.description;
      const ids = violation.violatingConstructs.flatMap(
        (construct) => construct.cloudFormationResource?.logicalId ?? [],
      );
      failed.set(id, [...new Set([...(failed.get(id) ?? []), ...ids])].sort());
    }
  }
  return failed;
}
