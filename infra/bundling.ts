import { basename, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root (this file lives in `infra/`). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Entry of the poll function. */
export const POLL_ENTRY = fileURLToPath(new URL('../functions/poll.ts', import.meta.url));

/** esbuild target matching the Lambda runtime (`nodejs24.x`). */
export const NODE_TARGET = 'node24';

/**
 * Kept out of the relay's bundle: the Lambda Node.js runtime ships AWS SDK v3. Everything else
 * (middy, Powertools, zod, the shared domain) is bundled.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*'];

/** Where the poll function's AWS SDK clients come from: the runtime's copy, or its own bundle. */
export const PollSdk = { External: 'external', Bundled: 'bundled' } as const;
export type PollSdk = (typeof PollSdk)[keyof typeof PollSdk];

/**
 * The poll function bundles the AWS SDK clients it uses, tree-shaken: measured by the bench
 * (`npm run bench`, `bundle.variants`), its module loads in about a third of the time it takes
 * with the runtime's SDK resolved from hundreds of files, at about 550 KiB of code instead of
 * 150 KiB. It also pins the SDK version the tests ran.
 */
export const POLL_SDK: PollSdk = PollSdk.Bundled;

/**
 * Default memory of the poll function, MB: the peak resident memory of the bundled function through
 * a 100-target baseline and cycle is about 131 MB (test/artifact/deployed-bundle.test.ts, "under 100
 * targets"; `npx vitest run test/artifact --reporter=verbose` prints it), so 192 MB leaves a third
 * free; the test fails if the peak passes three quarters of it.
 */
export const POLL_MEMORY_MB = 192;

function externalModulesOf(sdk: PollSdk): string[] {
  return sdk === PollSdk.External ? EXTERNAL_MODULES : [];
}

/** The script that rebuilds the poll bundle with code splitting inside CDK's bundling. */
const SPLIT_BUNDLE_SCRIPT = fileURLToPath(new URL('./split-bundle.mjs', import.meta.url));

/** Lets bundled CommonJS code call `require` inside an ES module bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __watcherCreateRequire } from 'node:module'; const require = __watcherCreateRequire(import.meta.url);";

/**
 * How the functions are bundled: ESM, minified, with a linked source map, `module` before `main`
 * so packages shipping both formats contribute their tree-shakable ESM build, the AWS SDK as
 * `sdk` says (the poll function: {@link POLL_SDK}; the relay: external). Always the local esbuild
 * (never Docker), so synth works offline.
 *
 * The poll function (`split`) is then rebuilt with code splitting ({@link pollEsbuildOptions}):
 * the SNS, SQS, EventBridge and Secrets Manager clients, imported only when first used
 * (functions/poll-wiring.ts), land in chunks of their own that a cold start does not load.
 */
export function pollBundling(sdk: PollSdk = POLL_SDK, split = true): BundlingOptions {
  return {
    ...(split
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => [
              `node "${SPLIT_BUNDLE_SCRIPT}" "${outputDir}" ${splitOptionsArgument(sdk)}`,
            ],
          },
        }
      : {}),
    format: OutputFormat.ESM,
    target: NODE_TARGET,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    externalModules: externalModulesOf(sdk),
    banner: ESM_REQUIRE_BANNER,
    forceDockerBundling: false,
  };
}

/** The split build's options, base64 JSON (no shell quoting), for split-bundle.mjs; its outdir is CDK's. */
function splitOptionsArgument(sdk: PollSdk): string {
  const { outdir: _outdir, ...options } = pollEsbuildOptions('/asset-output/index.mjs', sdk);
  return Buffer.from(JSON.stringify(options)).toString('base64');
}

/**
 * The poll function's bundle as direct esbuild options: what the stack deploys (see
 * {@link pollBundling}), for the scripts that measure it (`npm run bundle-size`, the benchmark)
 * without a synth. Code splitting: the entry is `outfile` (`index.mjs`), the lazily imported AWS
 * clients go to `chunks/` beside it.
 */
export function pollEsbuildOptions(outfile: string, sdk: PollSdk = POLL_SDK): BuildOptions {
  const extension = extname(outfile);
  return {
    splitting: true,
    outdir: dirname(outfile),
    entryNames: basename(outfile, extension),
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': extension || '.js' },
    entryPoints: [POLL_ENTRY],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    external: externalModulesOf(sdk),
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'warning',
  };
}

/**
 * What every function of the stack shares: the runtime, ARM64, 256 MB, the local esbuild bundling of
 * {@link pollBundling} with the AWS SDK external, and the repository's lock file. Each function adds
 * its entry, role and env (the poll function its own bundling and memory).
 */
export function watcherFunctionDefaults(): NodejsFunctionProps {
  return {
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    bundling: pollBundling(PollSdk.External, false),
  };
}
