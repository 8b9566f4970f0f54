import { readdirSync, readFileSync } from 'node:fs';

/** The repository's root, as a file URL ending in `/`. */
export const repoRoot = new URL('../../', import.meta.url);

/** One Markdown document of the repository: its path from the root and its text. */
export interface Doc {
  readonly path: string;
  readonly text: string;
}

/** README.md and every `docs/*.md`: the documents an operator reads, where code blocks may move. */
export function readDocs(): Doc[] {
  const docs = readdirSync(new URL('docs/', repoRoot))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((path) => ({
    path,
    text: readFileSync(new URL(path, repoRoot), 'utf8'),
  }));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to `-`. */
export function anchorOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
