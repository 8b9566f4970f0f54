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

describe('finding 3: README "Receiving signed webhooks" recipe', () => {
  const recipe =
    README.match(/```ts\n(import \{ createServer \} from 'node:http';\n[\s\S]*?)```\n/)?.[1] ?? '';
  const secretLines = recipe.slice(recipe.indexOf('const secret'), recipe.indexOf('const seen'));

  it('stops at start when GEMINIDB_WEBHOOK_SECRET is unset, instead of verifying with an empty key', () => {
    expect(secretLines).toContain('process.env.GEMINIDB_WEBHOOK_SECRET');
    const start = new Function('process', secretLines) as (process: { env: Record<string, string> }) => void;
    expect(() => start({ env: {} })).toThrow(/Set GEMINIDB_WEBHOOK_SECRET/);
    expect(() => start({ env: { GEMINIDB_WEBHOOK_SECRET: 'whsec_0123456789abcdef' } })).not.toThrow();
  });
});
