import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Size of one bundled function asset in a cloud assembly. */
export interface BundleSize {
  /** Asset directory name, `asset.<hash>`. */
  readonly asset: string;
  /** Which function the bundle is: `Poll function`, `Relay function`, or its logical id. */
  readonly label: string;
  /** Bytes of `index.mjs`, the code Lambda loads. */
  readonly codeBytes: number;
  /** Bytes of `index.mjs` gzipped: close to what it adds to the deployment zip. */
  readonly gzipBytes: number;
  /** Bytes of the source map next to it (not loaded unless an error is mapped). */
  readonly sourceMapBytes: number;
}

/** Sizes of every ESM function bundle (`asset.*\/index.mjs`) in a cloud assembly directory. */
export function bundleSizes(assemblyDir: string): BundleSize[] {
  const labels = functionLabels(assemblyDir);
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
      const label = labels.get(asset) ?? `Function (${asset})`;
      return [{ asset, label, codeBytes: bytes.length, gzipBytes: gzipSync(bytes).length, sourceMapBytes }];
    });
}

/** A Lambda function of a template, as far as the labels need it. */
interface TemplateFunction {
  readonly Type?: string;
  readonly Properties?: { readonly Code?: { readonly S3Key?: unknown } };
}

/**
 * Which function each asset is, from the templates in the assembly: a function's code is the zip
 * `<hash>.zip` of the asset directory `asset.<hash>`; its logical id names it.
 */
function functionLabels(assemblyDir: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const file of readdirSync(assemblyDir).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateFunction>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const key = resource.Properties?.Code?.S3Key;
      if (resource.Type !== 'AWS::Lambda::Function' || typeof key !== 'string') continue;
      labels.set(`asset.${key.replace(/\.zip$/, '')}`, functionLabel(logicalId));
    }
  }
  return labels;
}

/** `Poll function` for the poll function's logical id, `Relay function` for the relay's, else the id. */
function functionLabel(logicalId: string): string {
  if (/PollFunction/.test(logicalId)) return 'Poll function';
  if (/Relay/.test(logicalId)) return 'Relay function';
  return `Function ${logicalId}`;
}

/** `123.4 KiB`. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
