/**
 * Hints for a mistyped name (a config key, a CLI flag, a region): the known name it most likely
 * meant, so an error can say "did you mean ...?" instead of only what is wrong.
 */

/** Levenshtein distance: insertions, deletions and substitutions, one character each. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** Shortest stem a containment match needs, so `id` does not match every name with an "id" in it. */
const MIN_STEM_LENGTH = 4;

/** Whether one name holds the other (case aside, a plural `s` dropped): `project` in `project-id`. */
function contains(word: string, known: string): boolean {
  const stem = known.endsWith('s') ? known.slice(0, -1) : known;
  return (
    (stem.length >= MIN_STEM_LENGTH && word.includes(stem)) ||
    (word.length >= MIN_STEM_LENGTH && known.includes(word))
  );
}

/**
 * The known name a mistyped one most likely meant, or undefined when none is close: a name that
 * holds the other (`--project` for `--project-id`, `slackWebhookUrl` for `webhooks`) first, then
 * the fewest edits, at most a third of the name (`pollRateMinute` for `pollRateMinutes`).
 */
export function nearestName(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const ranked = known
    .map((name) => {
      const candidate = name.toLowerCase();
      const distance = editDistance(lower, candidate);
      const close = distance <= Math.max(1, Math.floor(Math.max(lower.length, candidate.length) / 3));
      return { name, distance, held: contains(lower, candidate), close };
    })
    .filter(({ held, close }) => held || close)
    .sort(
      (a, b) => Number(b.held) - Number(a.held) || a.distance - b.distance || a.name.localeCompare(b.name),
    );
  return ranked[0]?.name;
}
