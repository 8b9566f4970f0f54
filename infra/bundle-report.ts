import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Size of one bundled function asset in a cloud assembly. */
export interface BundleSize {
  /** Asset directory name, `asset.<hash>`. */
  readonly asset: string;
  /** Bytes of `index.mjs`, the code Lambda loads. */
  readonly codeBytes: number;
  /** Bytes of `index.mjs` gzipped: close to what it adds to the deployment zip. */
  readonly gzipBytes: number;
  /** Bytes of the source map next to it (not loaded unless an error is mapped). */
  readonly sourceMapBytes: number;
}

/** Sizes of every ESM function bundle (`asset.*\/index.mjs`) in a cloud assembly directory. */
export function bundleSizes(assemblyDir: string): BundleSize[] {
  return readdirSync(assemblyDir)
    .filter((name) => name.startsWith('asset.'))
    .flatMap((asset) => {
      const code = join(assemblyDir, asset, 'index.mjs');
      let bytes: Buffer;
      try {
        bytes = readFileSync(code);
      } catch {
        return [];
      }
      let sourceMapBytes = 0;
      try {
        sourceMapBytes = statSync(`${code}.map`).size;
      } catch {
        // no map
      }
      return [{ asset, codeBytes: bytes.length, gzipBytes: gzipSync(bytes).length, sourceMapBytes }];
    });
}

/** `123.4 KiB`. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
