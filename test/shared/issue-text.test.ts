import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { fieldPath, objectKeys, unknownKeysMessage } from '../../shared/issue-text';

describe('fieldPath', () => {
  it.each<[PropertyKey[], string]>([
    [['targets', 0, 'region'], 'targets[0].region'],
    [['queue', 'filterPolicy', 'type', 1], 'queue.filterPolicy.type[1]'],
    [['Records', 0, 'body'], 'Records[0].body'],
    [[0, 'id'], '[0].id'],
  ])('writes %j as %s', (path, text) => {
    expect(fieldPath(path)).toBe(text);
  });

  it('names the value itself by the root it is given', () => {
    expect(fieldPath([])).toBe('');
    expect(fieldPath([], '(root)')).toBe('(root)');
  });
});

describe('objectKeys', () => {
  it('lists the keys of an object schema, and none of any other', () => {
    expect(objectKeys(z.strictObject({ bus: z.string(), archive: z.optional(z.number()) }))).toEqual([
      'bus',
      'archive',
    ]);
    expect(objectKeys(z.string())).toEqual([]);
    expect(objectKeys(undefined)).toEqual([]);
  });
});

describe('unknownKeysMessage', () => {
  it('gives each unknown key the nearest known one, or the known keys when none is close', () => {
    expect(unknownKeysMessage(['emils', 'colour'], ['emails', 'queue'])).toBe(
      'Unrecognized key: "emils"; did you mean "emails"?; Unrecognized key: "colour"; the keys here are "emails", "queue"',
    );
  });

  it('says only what is wrong when it knows no keys', () => {
    expect(unknownKeysMessage(['x'], [])).toBe('Unrecognized key: "x"');
  });
});
