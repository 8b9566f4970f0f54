import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INFRA_DIR = join(REPO_ROOT, 'infra');

/**
 * Packages the CDK app may import besides `node:` built-ins and `shared/`: CDK itself, the cdk-nag
 * checks, esbuild (bundling and its measurement), and the config file's parser and schema.
 */
const ALLOWED_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild', 'jsonc-parser', 'zod'] as const;

/** Every module specifier of a file: static imports, re-exports, `import type` and `import()`. */
function importsOf(file: string): string[] {
  return ts
    .preProcessFile(readFileSync(file, 'utf8'), true, true)
    .importedFiles.map((entry) => entry.fileName);
}

const infraFiles = readdirSync(INFRA_DIR)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => join(INFRA_DIR, name));

/** `infra/x.ts` -> the repository folder a relative import lands in (`shared`, `infra`, `functions`). */
function topFolderOf(file: string, specifier: string): string {
  return relative(REPO_ROOT, resolve(dirname(file), specifier)).split(/[\\/]/)[0] ?? '';
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

describe('infra/ layout', () => {
  it('finds the CDK app files it checks', () => {
    expect(infraFiles.map((file) => relative(REPO_ROOT, file))).toEqual(
      expect.arrayContaining(['infra/app.ts', 'infra/config.ts', 'infra/job-watcher.ts']),
    );
  });

  it.each(infraFiles.map((file) => [relative(REPO_ROOT, file), file]))(
    '%s imports nothing from functions/ (it points at the entries by path only)',
    (_name, file) => {
      const fromFunctions = importsOf(file).filter(
        (specifier) => specifier.startsWith('.') && topFolderOf(file, specifier) === 'functions',
      );
      expect(fromFunctions).toEqual([]);
    },
  );

  it.each(infraFiles.map((file) => [relative(REPO_ROOT, file), file]))(
    '%s imports only node built-ins, shared/, infra/ and the allowed packages',
    (_name, file) => {
      const foreign = importsOf(file).filter((specifier) =>
        specifier.startsWith('.')
          ? !['shared', 'infra'].includes(topFolderOf(file, specifier))
          : !specifier.startsWith('node:') &&
            !(ALLOWED_PACKAGES as readonly string[]).includes(packageOf(specifier)),
      );
      expect(foreign).toEqual([]);
    },
  );

  it.each([
    ["import { X } from '../functions/contract';", ['../functions/contract']],
    ["import type { T } from '../functions/poll-targets';", ['../functions/poll-targets']],
    ["export * from '../functions/poll';", ['../functions/poll']],
    ["const m = await import('../functions/relay');", ['../functions/relay']],
    ["const entry = new URL('../functions/poll.ts', import.meta.url);", []],
  ])('sees the module specifiers of %s', (source, expected) => {
    expect(ts.preProcessFile(source, true, true).importedFiles.map((entry) => entry.fileName)).toEqual(
      expected,
    );
  });
});
