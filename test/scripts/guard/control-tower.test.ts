import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG_FILE, loadWatcherConfig, parseWatcherConfig } from '../../../infra/config';
import { controlTowerControls, runControlTowerGuard } from '../../../scripts/guard/control-tower';
import { HARDENED_FULL_CONFIG } from '../../infra/support';

/** Two synths and a cfn-guard run each: seconds, more on a loaded machine. */
const GUARD_TIMEOUT_MS = 180_000;

/** The controls issue 19 found the default stack failing. */
const DEFAULT_FAILURES = [
  'CT.CLOUDWATCH.PR.2',
  'CT.CLOUDWATCH.PR.3',
  'CT.DYNAMODB.PR.2',
  'CT.KMS.PR.3',
  'CT.LAMBDA.PR.3',
  'CT.SQS.PR.1',
];

const outdirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'watcher-guard-test-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('runControlTowerGuard', { timeout: GUARD_TIMEOUT_MS }, () => {
  it('reads the Control Tower controls the pinned package ships', () => {
    const ids = controlTowerControls().map((control) => control.id);
    expect(ids.length).toBeGreaterThan(100);
    expect(ids).toEqual(expect.arrayContaining(DEFAULT_FAILURES));
  });

  it('finds the default example failing the six controls, each on the resources that break it', () => {
    const run = runControlTowerGuard(loadWatcherConfig(EXAMPLE_CONFIG_FILE), outdir());
    expect([...run.failed.keys()].sort()).toEqual(DEFAULT_FAILURES);
    expect(run.failed.get('CT.LAMBDA.PR.3')).toEqual([expect.stringMatching(/^WatcherPollFunction/)]);
    expect(run.failed.get('CT.SQS.PR.1')).toHaveLength(4);
    expect(run.passed).toEqual(expect.arrayContaining(['CT.DYNAMODB.PR.1', 'CT.KMS.PR.1', 'CT.SQS.PR.2']));
  });

  it('passes the hardened example through every control it is evaluated against', () => {
    const run = runControlTowerGuard(loadWatcherConfig('watcher.config.hardened.example.jsonc'), outdir());
    expect(Object.fromEntries(run.failed)).toEqual({});
    expect(run.passed).toEqual(expect.arrayContaining(DEFAULT_FAILURES));
    expect(run.passed).toEqual(run.evaluated.map((control) => control.id));
  });

  it('passes a hardened stack with every feature (relay, EventBridge, queue, webhooks) through every control', () => {
    const run = runControlTowerGuard(parseWatcherConfig(HARDENED_FULL_CONFIG), outdir());
    expect(Object.fromEntries(run.failed)).toEqual({});
    expect(run.passed).toEqual(
      expect.arrayContaining([...DEFAULT_FAILURES, 'CT.LAMBDA.PR.2', 'CT.EC2.PR.3']),
    );
  });
});
