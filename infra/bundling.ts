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
 * Kept out of the bundle: the Lambda Node.js runtime ships AWS SDK v3, so bundling it would only
 * add megabytes. Everything else (middy, Powertools, zod, the shared domain) is bundled.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*'];

/** Lets bundled CommonJS code call `require` inside an ES module bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __watcherCreateRequire } from 'node:module'; const require = __watcherCreateRequire(import.meta.url);";

/**
 * How the poll function is bundled: ESM, minified, with a linked source map, `module` before
 * `main` so packages shipping both formats contribute their tree-shakable ESM build. Always the
 * local esbuild (never Docker), so synth works offline.
 */
export function pollBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: NODE_TARGET,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    externalModules: EXTERNAL_MODULES,
    banner: ESM_REQUIRE_BANNER,
    forceDockerBundling: false,
  };
}

/**
 * The same bundle as {@link pollBundling}, as direct esbuild options, for the scripts that measure it
 * (`npm run bundle-size`, the benchmark) without a synth.
 */
export function pollEsbuildOptions(outfile: string): BuildOptions {
  return {
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
    external: EXTERNAL_MODULES,
    banner: { js: ESM_REQUIRE_BANNER },
    outfile,
    logLevel: 'warning',
  };
}

/**
 * What every function of the stack shares: the runtime, ARM64, 256 MB, the local esbuild bundling of
 * {@link pollBundling} and the repository's lock file. Each function adds its entry, role and env.
 */
export function watcherFunctionDefaults(): NodejsFunctionProps {
  return {
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    bundling: pollBundling(),
  };
}
