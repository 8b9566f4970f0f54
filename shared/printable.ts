/**
 * Control characters (C0, DEL, C1: ESC starts every terminal escape sequence, U+009B is a one-byte
 * CSI), line and paragraph separators, and the bidirectional overrides that make a terminal show
 * text in another order than it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/**
 * `text` safe to print on a terminal: every run of control characters (see {@link UNPRINTABLE})
 * becomes one space, so a job or instance name holding `ESC]0;...` or `ESC[2J` cannot retitle,
 * clear or rewrite the operator's terminal. Used for every value the CLI prints.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, ' ');
}

/**
 * A JSON line safe to print: `JSON.stringify` escapes C0 controls but leaves C1 controls and
 * bidirectional overrides as they are; this escapes those too (`\u009b`), so the line still
 * parses to the same value.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
