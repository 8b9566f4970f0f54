/**
 * Turns JSONC (JSON with `//` and `/* *\/` comments and trailing commas, as in the shipped example
 * config) into plain JSON. String contents are left alone; comments become spaces so that the
 * positions in a JSON.parse error still point into the original text.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    const next = text[index + 1];
    if (char === '"') {
      const end = endOfString(text, index);
      out += text.slice(index, end);
      index = end;
    } else if (char === '/' && next === '/') {
      const end = text.indexOf('\n', index);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - index);
      index = stop;
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', index + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(index, stop).replace(/[^\n]/g, ' ');
      index = stop;
    } else {
      out += char;
      index += 1;
    }
  }
  return removeTrailingCommas(out);
}

/** Index just past the closing quote of the string starting at `start`. */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') index += 2;
    else if (char === '"') return index + 1;
    else index += 1;
  }
  return text.length;
}

/** Drops a comma followed only by whitespace and a closing bracket (comments are gone already). */
function removeTrailingCommas(json: string): string {
  let out = '';
  let index = 0;
  while (index < json.length) {
    const char = json[index] as string;
    if (char === '"') {
      const end = endOfString(json, index);
      out += json.slice(index, end);
      index = end;
      continue;
    }
    if (char === ',') {
      const rest = /^\s*/.exec(json.slice(index + 1))?.[0] ?? '';
      const after = json[index + 1 + rest.length];
      if (after === '}' || after === ']') {
        out += ' ';
        index += 1;
        continue;
      }
    }
    out += char;
    index += 1;
  }
  return out;
}
