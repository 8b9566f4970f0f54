import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', root), 'utf8');

/** README blocks marked `<!-- file: PATH -->` on the line before the fence, as [path, code]. */
const marked = [...README.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map(
  (match) => [match[1] ?? '', match[2] ?? ''] as const,
);

describe('README "Consume the events"', () => {
  it('shows every file of examples/', () => {
    const files = readdirSync(new URL('examples/', root)).map((name) => `examples/${name}`);
    expect(marked.map(([path]) => path).sort()).toEqual(files.sort());
  });

  it.each(marked)('shows %s exactly as it is', (path, code) => {
    expect(code).toBe(readFileSync(new URL(path, root), 'utf8'));
  });
});
