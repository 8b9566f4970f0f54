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

describe('finding 3: the "Receiving signed webhooks" recipe (docs/relay.md)', () => {
  const relayDoc = readDocs().find((doc) => doc.path.endsWith('relay.md'))?.text ?? '';
  const recipe =
    relayDoc.match(/```ts\n(import \{ createServer \} from 'node:http';\n[\s\S]*?)```\n/)?.[1] ?? '';
  const secretLines = recipe.slice(recipe.indexOf('const secret'), recipe.indexOf('const seen'));

  it('stops at start when GEMINIDB_WEBHOOK_SECRET is unset, instead of verifying with an empty key', () => {
    expect(secretLines).toContain('process.env.GEMINIDB_WEBHOOK_SECRET');
    const start = new Function('process', secretLines) as (process: { env: Record<string, string> }) => void;
    expect(() => start({ env: {} })).toThrow(/Set GEMINIDB_WEBHOOK_SECRET/);
    expect(() => start({ env: { GEMINIDB_WEBHOOK_SECRET: 'whsec_0123456789abcdef' } })).not.toThrow();
  });
});
