import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorOf, readDocs, repoRoot } from '../support/docs';

/** The text outside fenced code blocks: headings and links inside code are not Markdown. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** Every anchor a document's headings give, numbered as GitHub numbers repeated headings. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(heading ?? '');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative link targets of a document (`path`, `path#anchor` or `#anchor`), web links left out. */
function relativeLinks(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** Why a link of `from` does not resolve, or undefined when it does. */
function brokenBecause(from: string, target: string): string | undefined {
  const [file = '', anchor] = target.split('#');
  const path = file === '' ? from : posix.normalize(posix.join(posix.dirname(from), file));
  if (path.startsWith('..')) return `${path} is outside the repository`;
  if (!existsSync(new URL(path, repoRoot))) return `${path} does not exist`;
  if (anchor === undefined || !path.endsWith('.md')) return undefined;
  const anchors = anchorsOf(readFileSync(new URL(path, repoRoot), 'utf8'));
  return anchors.has(anchor) ? undefined : `${path} has no heading for #${anchor}`;
}

/** The documents whose links are checked: the guides, and the changelog that points into them. */
const docs = [
  ...readDocs(),
  { path: 'CHANGELOG.md', text: readFileSync(new URL('CHANGELOG.md', repoRoot), 'utf8') },
];

describe('links in README.md, docs/ and CHANGELOG.md', () => {
  it('finds the documents and their links', () => {
    expect(docs.map((doc) => doc.path)).toContain('docs/deploy-and-operate.md');
    expect(docs.flatMap((doc) => relativeLinks(doc.text)).length).toBeGreaterThan(50);
  });

  it.each(docs.map((doc) => [doc.path, doc] as const))(
    'resolves every relative link and anchor of %s',
    (_path, doc) => {
      const broken = relativeLinks(doc.text).flatMap((target) => {
        const why = brokenBecause(doc.path, target);
        return why ? [`${target}: ${why}`] : [];
      });
      expect(broken).toEqual([]);
    },
  );

  it.each(docs.filter((doc) => doc.path.startsWith('docs/')).map((doc) => [doc.path, doc] as const))(
    'gives %s a contents list linking each of its sections',
    (_path, doc) => {
      const sections = [...prose(doc.text).matchAll(/^## (.+)$/gm)]
        .map((match) => match[1] ?? '')
        .filter((heading) => heading !== 'Contents');
      const contents = doc.text.split('## Contents')[1]?.split('\n## ')[0] ?? '';
      for (const heading of sections) expect(contents, heading).toContain(`(#${anchorOf(heading)})`);
    },
  );
});

describe('anchorOf', () => {
  it.each([
    ['5. A Huawei Cloud IAM user with one permission', '5-a-huawei-cloud-iam-user-with-one-permission'],
    ['send-test: check the subscriptions end to end', 'send-test-check-the-subscriptions-end-to-end'],
    ["The relay's dead-letter queue is not empty", 'the-relays-dead-letter-queue-is-not-empty'],
    [
      '4. Bootstrap (once per account and region) and deploy',
      '4-bootstrap-once-per-account-and-region-and-deploy',
    ],
  ])('gives GitHub\'s anchor for "%s"', (heading, anchor) => {
    expect(anchorOf(heading)).toBe(anchor);
  });
});
