import { describe, expect, it } from 'vitest';
import { printable, printableJson } from '../../shared/printable';

describe('finding 9: printable', () => {
  it.each([
    ['an OSC title change', 'nosql\u001b]0;owned\u0007-12f5', 'nosql ]0;owned -12f5'],
    ['a screen clear', 'a\u001b[2Jb', 'a [2Jb'],
    ['a one-byte CSI (C1)', 'a\u009b2Jb', 'a 2Jb'],
    ['a bidirectional override', 'safe\u202etxt.exe', 'safe txt.exe'],
    ['line breaks', 'one\r\ntwo\u2028three', 'one two three'],
  ])('turns %s into a space', (_label, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('keeps accents, CJK and emoji', () => {
    expect(printable('Sauvegarde été 备份 ✅')).toBe('Sauvegarde été 备份 ✅');
  });
});

describe('finding 9: printableJson', () => {
  it('escapes C1 controls and bidi overrides that JSON.stringify leaves raw, and still parses to the value', () => {
    const value = { name: 'a\u009b2J\u202eb\u001b[0m' };
    const line = printableJson(value);
    expect(line).toBe('{"name":"a\\u009b2J\\u202eb\\u001b[0m"}');
    expect(JSON.parse(line)).toEqual(value);
  });
});
