import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll } from 'vitest';
import { parseWatcherConfig, type WatcherConfig } from '../../infra/config';
import { createWatcherApp } from '../../infra/watcher-app';

/** A config with every feature on: two targets, email, webhooks, a filtered queue, alarm emails. */
export const FULL_CONFIG = {
  targets: [
    { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' },
    {
      region: 'eu-west-101',
      projectId: 'a1b2c3',
      endpoint: 'https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu',
    },
  ],
  pollRateMinutes: 1,
  progressStepPercent: 25,
  stalledAfterSeconds: { BackupInstance: 3600, '*': 7200 },
  emails: ['dba@example.com'],
  webhooks: [
    { url: 'https://hooks.example.com/all' },
    {
      url: 'https://hooks.example.com/failures',
      rawMessageDelivery: true,
      filterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'] },
    },
  ],
  queue: {
    enabled: true,
    filterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'], job_name: ['BackupInstance'] },
  },
  alarmEmails: ['oncall@example.com'],
} as const;

/** An existing VPC and two subnets (placeholders: synth never looks them up). */
export const HARDENED_VPC = {
  vpcId: 'vpc-0a1b2c3d4e5f67890',
  subnetIds: ['subnet-0a1b2c3d4e5f67890', 'subnet-0f9e8d7c6b5a43210'],
};

/** {@link FULL_CONFIG} plus every feature that creates a function, queue, log group or key, hardened. */
export const HARDENED_FULL_CONFIG = {
  ...FULL_CONFIG,
  relay: { destinations: [{ name: 'ops-slack', kind: 'slack' }] },
  eventBridge: { bus: { create: true }, archive: { retentionDays: 30 } },
  logRetentionDays: 365,
  hardened: { vpc: HARDENED_VPC },
};

/** The smallest valid config: one target, nothing subscribed. */
export const MINIMAL_CONFIG = { targets: [{ region: 'ap-southeast-1', projectId: 'p1' }] } as const;

/** Context that skips bundling (fast synth for variants that do not look at the code asset). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/**
 * Builds the watcher app for a config object, with a temporary outdir removed after the file.
 * Variants without bundling skip CDK's (slow) CloudFormation validation; the bundled app runs it.
 */
export function watcherApp(raw: unknown, context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'watcher-cdk-'));
  afterAllCleanups.push(() => rmSync(outdir, { recursive: true, force: true }));
  const config: WatcherConfig = parseWatcherConfig(raw);
  const bundling = context['aws:cdk:bundling-stacks'] === undefined;
  return createWatcherApp({ config, context, outdir, cloudFormationValidation: bundling });
}

const afterAllCleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of afterAllCleanups.splice(0)) cleanup();
});

/** Every `Validations.of(x).acknowledge(...)` in the tree: construct path, rule id, reason. */
export function acknowledgements(root: IConstruct) {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}
