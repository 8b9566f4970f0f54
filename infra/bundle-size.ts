import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { formatBytes } from './bundle-report';
import { pollEsbuildOptions } from './bundling';

/**
 * `npm run bundle-size`: bundles the poll function with the same esbuild settings as the stack
 * and prints its size and the packages that weigh most, without synthesizing anything.
 */
async function main(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'watcher-bundle-'));
  try {
    const outfile = join(outdir, 'index.mjs');
    const result = await build({ ...pollEsbuildOptions(outfile), metafile: true as const });
    const output =
      result.metafile.outputs[
        Object.keys(result.metafile.outputs).find((name) => name.endsWith('.mjs')) ?? ''
      ];
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      const key = packageOf(input);
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
    console.log(`Poll function bundle: ${formatBytes(statSync(outfile).size)} (index.mjs, minified ESM)`);
    for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`  ${formatBytes(bytes).padStart(10)}  ${name}`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** `node_modules/@scope/name/...` -> `@scope/name`; repository files -> their top folder. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return `${input.split('/')[0] ?? input}/ (this repository)`;
}

await main();
