// Rebuilds a function bundle with esbuild code splitting into CDK's asset output directory
// (infra/bundling.ts, `afterBundling`): CDK's NodejsFunction passes esbuild `--outfile`, which
// cannot split. Plain Node ESM, no TypeScript: it runs as a shell command of the bundling.
// Usage: node split-bundle.mjs <outdir> <base64 JSON of esbuild options>
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const [outdir, encoded] = process.argv.slice(2);
if (!outdir || !encoded) {
  process.stderr.write('usage: node split-bundle.mjs <outdir> <base64 JSON of esbuild options>\n');
  process.exit(2);
}
const options = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
// CDK's single-file bundle is replaced, not kept beside the split one.
for (const file of ['index.mjs', 'index.mjs.map']) rmSync(join(outdir, file), { force: true });
await build({ ...options, outdir });
