import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_CONFIG_FILE, loadWatcherConfig } from '../infra/config';
import { type GuardRun, runControlTowerGuard } from './guard/control-tower';

/** The shipped example a governed account starts from. */
const HARDENED_EXAMPLE_FILE = 'watcher.config.hardened.example.jsonc';

/**
 * `npm run guard [-- default.jsonc hardened.jsonc]`: synthesizes the default and the hardened
 * example (or the two files named) with AWS Control Tower's proactive controls as a CDK policy
 * validation plugin, and prints each control the stacks are evaluated against, passed or failed with
 * the resources that fail it. Exits 1 when the hardened stack fails a control.
 */
function main(argv: readonly string[]): void {
  const [defaultFile = EXAMPLE_CONFIG_FILE, hardenedFile = HARDENED_EXAMPLE_FILE] = argv;
  const started = Date.now();
  const runs = [
    { name: `default (${defaultFile})`, run: guardRun(defaultFile) },
    { name: `hardened (${hardenedFile})`, run: guardRun(hardenedFile) },
  ];
  for (const { name, run } of runs) {
    console.log(
      `\n${name}: ${run.passed.length} of ${run.evaluated.length} controls passed, ${run.failed.size} failed`,
    );
    console.log('| Control | Title | Result |');
    console.log('| --- | --- | --- |');
    for (const control of run.evaluated) {
      const failing = run.failed.get(control.id);
      console.log(
        `| ${control.id} | ${control.title} | ${failing ? `FAILED: ${failing.join(', ')}` : 'passed'} |`,
      );
    }
  }
  console.log(`\nguard run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if ((runs[1]?.run.failed.size ?? 0) > 0) process.exitCode = 1;
}

function guardRun(file: string): GuardRun {
  const outdir = mkdtempSync(join(tmpdir(), 'watcher-guard-'));
  try {
    return runControlTowerGuard(loadWatcherConfig(file), outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
