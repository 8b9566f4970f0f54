import { describe, expect, it } from 'vitest';
import { stripJsonComments } from '../../infra/jsonc';

describe('stripJsonComments', () => {
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
  ])('handles %s', (_case, text, expected) => {
    expect(JSON.parse(stripJsonComments(text))).toEqual(expected);
  });

  it('keeps the length and line breaks so error positions still point into the original', () => {
    const text = '{\n  // comment\n  "a": 1, /* b\n c */\n}';
    const stripped = stripJsonComments(text);
    expect(stripped).toHaveLength(text.length);
    expect(stripped.split('\n')).toHaveLength(text.split('\n').length);
  });
});
