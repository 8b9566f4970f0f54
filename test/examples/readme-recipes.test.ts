import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDocs, repoRoot } from '../support/docs';

/** Blocks of README.md and docs/*.md marked `<!-- file: PATH -->` on the line before the fence, as [path, doc, code]. */
const marked = readDocs().flatMap((doc) =>
  [...doc.text.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map(
    (match) => [match[1] ?? '', doc.path, match[2] ?? ''] as const,
  ),
);

describe('the recipes in README.md and docs/', () => {
  it('show every file of examples/, each once', () => {
    const files = readdirSync(new URL('examples/', repoRoot)).map((name) => `examples/${name}`);
    expect(marked.map(([path]) => path).sort()).toEqual(files.sort());
  });

  it.each(marked)('show %s exactly as it is (in %s)', (path, _doc, code) => {
    expect(code).toBe(readFileSync(new URL(path, repoRoot), 'utf8'));
  });
});
