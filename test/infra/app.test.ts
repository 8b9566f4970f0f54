import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_CONFIG_MESSAGE, PREVIEW_EXAMPLE_FLAG } from '../../infra/config';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const APP = join(ROOT, 'infra', 'app.ts');

/** A folder without watcher.config.json, as a fresh clone has (the app reads config files from its cwd). */
const cwd = mkdtempSync(join(tmpdir(), 'watcher-app-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function runApp(args: readonly string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TSX_CLI, APP, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('infra/app.ts without a config file', () => {
  it.concurrent.each([
    // What `npx cdk synth` and `npx cdk deploy` run (cdk.json's app): the CLI sets CDK_OUTDIR.
    ['as the CDK CLI runs it', [], { CDK_OUTDIR: join(cwd, 'cdk.out'), CDK_CONTEXT_JSON: '{}' }],
    [
      'as the CDK CLI runs it, even with the preview flag',
      [PREVIEW_EXAMPLE_FLAG],
      { CDK_OUTDIR: join(cwd, 'cdk.out') },
    ],
    ['run directly without the flag npm run synth adds', [], {}],
  ])('fails %s with exit 1 and the one message that says how to make one', async (_case, args, env) => {
    const run = await runApp(args, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${NO_CONFIG_MESSAGE}\n`);
    expect(run.stdout).toBe('');
  });
});
