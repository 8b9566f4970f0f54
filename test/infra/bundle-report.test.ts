import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleSizes, formatBytes } from '../../infra/bundle-report';

const dir = mkdtempSync(join(tmpdir(), 'bundle-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cloud assembly as `app.synth()` writes it: asset directories and the template naming their zips. */
function assembly(functions: Record<string, string>, extraAssets: readonly string[] = []): string {
  const assemblyDir = mkdtempSync(join(dir, 'cdk.out-'));
  const resources: Record<string, unknown> = {};
  for (const [logicalId, hash] of Object.entries(functions)) {
    mkdirSync(join(assemblyDir, `asset.${hash}`));
    writeFileSync(
      join(assemblyDir, `asset.${hash}`, 'index.mjs'),
      `export const handler = '${logicalId}';\n`,
    );
    resources[logicalId] = {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { S3Bucket: 'cdk-assets', S3Key: `${hash}.zip` } },
    };
  }
  for (const hash of extraAssets) {
    mkdirSync(join(assemblyDir, `asset.${hash}`));
    writeFileSync(join(assemblyDir, `asset.${hash}`, 'index.mjs'), 'export {};\n');
  }
  writeFileSync(join(assemblyDir, 'Stack.template.json'), JSON.stringify({ Resources: resources }));
  return assemblyDir;
}

describe('bundleSizes', () => {
  it('labels each bundle by the function whose code it is: the relay is not called the poll function', () => {
    const sizes = bundleSizes(
      assembly({ WatcherPollFunction0B9866F7: 'aaa111', WatcherRelayFunction5C3E9A12: 'bbb222' }),
    );
    expect(Object.fromEntries(sizes.map((size) => [size.asset, size.label]))).toEqual({
      'asset.aaa111': 'Poll function',
      'asset.bbb222': 'Relay function',
    });
    for (const size of sizes) expect(size.codeBytes).toBeGreaterThan(0);
  });

  it('names any other function by its logical id, and an asset no function uses by its directory', () => {
    const sizes = bundleSizes(assembly({ ConsumerHandler12AB: 'ccc333' }, ['ddd444']));
    expect(sizes.map((size) => size.label).sort()).toEqual([
      'Function (asset.ddd444)',
      'Function ConsumerHandler12AB',
    ]);
  });
});

describe('formatBytes', () => {
  it('gives bytes below 1 KiB and KiB with one decimal above', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
