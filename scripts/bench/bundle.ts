import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { POLL_SDK, PollSdk, pollEsbuildOptions, REPO_ROOT } from '../../infra/bundling';
import { ENV } from '../../shared/config';
import { LAMBDA_ENV } from '../../shared/contract';
import { median, round } from './stats';

const run = promisify(execFile);

function chunkBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.mjs'))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/** Size and load time of one variant of the poll function bundle. */
export interface BundleVariant {
  /** Bytes of the minified entry `index.mjs` (source map aside): what a cold start loads at once. */
  readonly bytes: number;
  /** Bytes of the chunks beside it (code splitting): the clients loaded when first used, and shared code. */
  readonly chunk_bytes: number;
  /** Median ms to import the bundle inside a fresh `node` process (its start excluded). */
  readonly load_ms_median: number;
  /** Every process's import time, ms. */
  readonly load_ms: readonly number[];
  /** Median wall time of a whole `node` process that imports it and exits, ms. */
  readonly process_ms_median: number;
  /** `load_ms_median` over the same run's `bare_node_ms_median`. */
  readonly load_vs_bare_node: number;
}

/** Size and load time of the poll function bundle as shipped, and of both variants. */
export interface BundleResult extends BundleVariant {
  /** Which variant ships (infra/bundling.ts `POLL_SDK`); the top-level figures are its. */
  readonly shipped: PollSdk;
  /** Median wall time of a bare `node -e 0` process in the same run, ms. */
  readonly bare_node_ms_median: number;
  /** The external variant: median ms to import it once the AWS SDK packages are loaded (its own share). */
  readonly own_load_ms_median: number;
  /** Median ms to import just those AWS SDK packages in a fresh process. */
  readonly sdk_load_ms_median: number;
  /**
   * Median ms to import a bundle of the DynamoDB client alone (same esbuild settings), which every
   * poll needs: the floor the poll bundle's load is compared with.
   */
  readonly dynamodb_only_load_ms_median: number;
  readonly dynamodb_only_vs_bare_node: number;
  readonly variants: Readonly<Record<PollSdk, BundleVariant>>;
}

/** The AWS SDK packages the poll function uses (external: the Lambda runtime provides them). */
const SDK_PACKAGES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-sqs',
];

/** The environment the handler module reads when it loads (no AWS call happens at load). */
const LOAD_ENV = {
  [ENV.targets]: JSON.stringify([
    { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' },
  ]),
  [LAMBDA_ENV.tableName]: 'bench-table',
  [LAMBDA_ENV.topicArn]: 'arn:aws:sns:eu-west-1:123456789012:bench',
  [LAMBDA_ENV.credentialsSecretId]: 'bench-secret',
  [LAMBDA_ENV.subTickQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench',
  AWS_REGION: 'eu-west-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The DynamoDB client and document client as the store builds them, and nothing else. */
const DYNAMODB_ONLY = [
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
  'export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
].join('\n');

const IMPORT_AND_TIME =
  'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';
const SDK_IMPORT = `await Promise.all(${JSON.stringify(SDK_PACKAGES)}.map((name) => import(name)));`;
const TIME_SDK = `const t = performance.now(); ${SDK_IMPORT} process.stdout.write(String(performance.now() - t));`;

/**
 * Bundles `functions/poll.ts` with the stack's esbuild settings (ESM, minified, `module` before
 * `main`) twice, the AWS SDK external and bundled, and imports each in `processes` fresh `node`
 * processes, interleaved with bare `node -e 0` processes; then the external one again after the AWS
 * SDK packages (its own share), and the SDK packages alone. The bundles are written under
 * `node_modules/.cache` so that, as on Lambda, the external AWS SDK resolves.
 */
export async function measureBundle(processes = 5): Promise<BundleResult> {
  const cache = join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bench-bundle-'));
  try {
    const files = {
      [PollSdk.External]: join(outdir, 'external', 'index.mjs'),
      [PollSdk.Bundled]: join(outdir, 'bundled', 'index.mjs'),
    };
    for (const [sdk, outfile] of Object.entries(files)) {
      await build({ ...pollEsbuildOptions(outfile, sdk as PollSdk) });
    }
    const dynamoOnly = join(outdir, 'dynamodb-only', 'index.mjs');
    await build({
      ...pollEsbuildOptions(dynamoOnly, PollSdk.Bundled),
      entryPoints: undefined,
      stdin: { contents: DYNAMODB_ONLY, resolveDir: REPO_ROOT, loader: 'js' },
      splitting: false,
      outdir: undefined,
      entryNames: undefined,
      chunkNames: undefined,
      outExtension: undefined,
      outfile: dynamoOnly,
    });
    const node = async (script: string, file = ''): Promise<{ ms: number; wallMs: number }> => {
      const started = performance.now();
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', script, ...(file ? [pathToFileURL(file).href] : [])],
        { env: { PATH: process.env.PATH ?? '', ...LOAD_ENV }, cwd: outdir },
      );
      return { ms: Number(stdout), wallMs: performance.now() - started };
    };
    const bare: number[] = [];
    const whole: Record<PollSdk, { ms: number; wallMs: number }[]> = { external: [], bundled: [] };
    const own: number[] = [];
    const dynamo: number[] = [];
    const sdk: number[] = [];
    for (let i = 0; i < processes; i++) {
      const started = performance.now();
      await run(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH ?? '' }, cwd: outdir });
      bare.push(performance.now() - started);
      whole.external.push(await node(IMPORT_AND_TIME, files.external));
      whole.bundled.push(await node(IMPORT_AND_TIME, files.bundled));
      own.push((await node(`${SDK_IMPORT} ${IMPORT_AND_TIME}`, files.external)).ms);
      sdk.push((await node(TIME_SDK)).ms);
      dynamo.push((await node(IMPORT_AND_TIME, dynamoOnly)).ms);
    }
    const bareMedian = median(bare);
    const variant = (which: PollSdk): BundleVariant => {
      const load = median(whole[which].map((run) => run.ms));
      return {
        bytes: statSync(files[which]).size,
        chunk_bytes: chunkBytes(join(files[which], '..', 'chunks')),
        load_ms_median: round(load),
        load_ms: whole[which].map((run) => round(run.ms)),
        process_ms_median: round(median(whole[which].map((run) => run.wallMs))),
        load_vs_bare_node: round(load / bareMedian, 2),
      };
    };
    const variants = { external: variant(PollSdk.External), bundled: variant(PollSdk.Bundled) };
    return {
      ...variants[POLL_SDK],
      shipped: POLL_SDK,
      bare_node_ms_median: round(bareMedian),
      own_load_ms_median: round(median(own)),
      sdk_load_ms_median: round(median(sdk)),
      dynamodb_only_load_ms_median: round(median(dynamo)),
      dynamodb_only_vs_bare_node: round(median(dynamo) / bareMedian, 2),
      variants,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
