import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { pollEsbuildOptions, REPO_ROOT } from '../../infra/bundling';
import { ENV } from '../../shared/config';
import { LAMBDA_ENV } from '../../shared/contract';
import { median, round } from './stats';

const run = promisify(execFile);

/** Size and load time of the poll function bundle. */
export interface BundleResult {
  /** Bytes of the minified `index.mjs` (source map aside). */
  readonly bytes: number;
  /** Median ms to import the bundle, over fresh `node` processes. */
  readonly load_ms_median: number;
  /** Every process's import time, ms. */
  readonly load_ms: readonly number[];
  /** Median wall time of a whole `node` process that imports it and exits, ms. */
  readonly process_ms_median: number;
  /** Median ms to import the bundle once the AWS SDK packages it uses are loaded: its own share. */
  readonly own_load_ms_median: number;
  /** Median ms to import just those AWS SDK packages in a fresh process. */
  readonly sdk_load_ms_median: number;
}

/** The AWS SDK packages the poll function uses (external: the Lambda runtime provides them). */
const SDK_PACKAGES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-secrets-manager',
];

/** The environment the handler module reads when it loads (no AWS call happens at load). */
const LOAD_ENV = {
  [ENV.targets]: JSON.stringify([
    { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' },
  ]),
  [LAMBDA_ENV.tableName]: 'bench-table',
  [LAMBDA_ENV.topicArn]: 'arn:aws:sns:eu-west-1:123456789012:bench',
  [LAMBDA_ENV.credentialsSecretId]: 'bench-secret',
  AWS_REGION: 'eu-west-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const IMPORT_AND_TIME =
  'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';
const SDK_IMPORT = `await Promise.all(${JSON.stringify(SDK_PACKAGES)}.map((name) => import(name)));`;
const TIME_SDK = `const t = performance.now(); ${SDK_IMPORT} process.stdout.write(String(performance.now() - t));`;

/**
 * Bundles `functions/poll.ts` with the stack's esbuild settings (ESM, minified, `module` before
 * `main`, AWS SDK external) and imports it in `processes` fresh `node` processes; then again after
 * the AWS SDK packages (its own share), and the SDK packages alone. The bundle is written under
 * `node_modules/.cache` so that, as on Lambda, the external AWS SDK resolves.
 */
export async function measureBundle(processes = 5): Promise<BundleResult> {
  const cache = join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bench-bundle-'));
  try {
    const outfile = join(outdir, 'index.mjs');
    await build({ ...pollEsbuildOptions(outfile) });
    const node = async (script: string): Promise<{ ms: number; wallMs: number }> => {
      const started = performance.now();
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', script, pathToFileURL(outfile).href],
        { env: { PATH: process.env.PATH ?? '', ...LOAD_ENV }, cwd: outdir },
      );
      return { ms: Number(stdout), wallMs: performance.now() - started };
    };
    const whole: { ms: number; wallMs: number }[] = [];
    const own: number[] = [];
    const sdk: number[] = [];
    for (let i = 0; i < processes; i++) {
      whole.push(await node(IMPORT_AND_TIME));
      own.push((await node(`${SDK_IMPORT} ${IMPORT_AND_TIME}`)).ms);
      sdk.push((await node(TIME_SDK)).ms);
    }
    return {
      bytes: statSync(outfile).size,
      load_ms_median: round(median(whole.map((run) => run.ms))),
      load_ms: whole.map((run) => round(run.ms)),
      process_ms_median: round(median(whole.map((run) => run.wallMs))),
      own_load_ms_median: round(median(own)),
      sdk_load_ms_median: round(median(sdk)),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
