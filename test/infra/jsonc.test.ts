import { describe, expect, it } from 'vitest';
import { JsoncSyntaxError, parseJsonc } from '../../infra/jsonc';

describe('parseJsonc', () => {
  it.each([
    ['line comments', '{"a": 1 // one\n}', { a: 1 }],
    ['block comments', '{/* x\n y */"a": 1}', { a: 1 }],
    [
      'comment markers inside strings',
      '{"url": "https://x.example.com/a//b", "c": "/* no */"}',
      { url: 'https://x.example.com/a//b', c: '/* no */' },
    ],
    ['escaped quotes inside strings', '{"q": "say \\"// hi\\""}', { q: 'say "// hi"' }],
    ['trailing commas', '{"a": [1, 2, ], "b": {"c": 3, },}', { a: [1, 2], b: { c: 3 } }],
    ['a comma inside a string before a bracket', '{"a": ",}"}', { a: ',}' }],
    ['a byte order mark', '\uFEFF{"a": 1}', { a: 1 }],
    ['Windows line ends', '{\r\n  // c\r\n  "a": 1,\r\n}\r\n', { a: 1 }],
  ])('reads %s', (_case, text, expected) => {
    expect(parseJsonc(text, 'x.json')).toEqual(expected);
  });

  it.each([
    [
      'a missing comma',
      '{\n  "targets": []\n  "emails": []\n}',
      'w.json:3:3: is not valid JSON: expected "," between two entries\n    "emails": []\n    ^',
    ],
    [
      'a missing value',
      '{\n  // note\n  "pollRateMinutes": ,\n}',
      'w.json:3:22: is not valid JSON: expected a value\n    "pollRateMinutes": ,\n                       ^',
    ],
    [
      'an unclosed list',
      '{ "targets": [ }',
      'w.json:1:16: is not valid JSON: expected a value\n  { "targets": [ }\n                 ^',
    ],
    [
      'single quotes',
      "{ 'a': 1 }",
      "w.json:1:3: is not valid JSON: unexpected character\n  { 'a': 1 }\n    ^",
    ],
    [
      'an unclosed block comment',
      '{ "a": 1 /* never closed',
      'w.json:1:10: is not valid JSON: the comment is never closed (missing "*/")\n  { "a": 1 /* never closed\n           ^',
    ],
    [
      'an unclosed string on a Windows line',
      '{\r\n  "a": "x\r\n}',
      'w.json:2:8: is not valid JSON: the string is never closed (missing \'"\')\n    "a": "x\n         ^',
    ],
    ['an empty file', '  \n', 'w.json:1:1: is empty; it needs a JSON object such as {"targets": [...]}'],
  ])('reports %s with the file, line and column', (_case, text, message) => {
    expect(() => parseJsonc(text, 'w.json')).toThrow(JsoncSyntaxError);
    expect(() => parseJsonc(text, 'w.json')).toThrow(message);
    try {
      parseJsonc(text, 'w.json');
    } catch (error) {
      expect((error as Error).message).toBe(message);
      const [, line, column] = /^w\.json:(\d+):(\d+):/.exec(message) ?? [];
      expect(error).toMatchObject({ line: Number(line), column: Number(column) });
    }
  });
});
