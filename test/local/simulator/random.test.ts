import { describe, expect, it } from 'vitest';
import { createRandom, EmptyChoiceError, hashSeed, mulberry32 } from '../../../local/simulator/random';

describe('mulberry32', () => {
  it('replays the same sequence for the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
  });

  it('gives a different sequence for another seed, always in [0, 1)', () => {
    const a = Array.from({ length: 100 }, mulberry32(1));
    const b = Array.from({ length: 100 }, mulberry32(2));
    expect(a).not.toEqual(b);
    expect([...a, ...b].every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('hashSeed', () => {
  it('is stable and tells parts apart', () => {
    expect(hashSeed(1, 'p', 'job', 3)).toBe(hashSeed(1, 'p', 'job', 3));
    expect(hashSeed(1, 'p', 'job', 3)).not.toBe(hashSeed(1, 'p', 'job', 4));
    expect(hashSeed(1, 'ab')).not.toBe(hashSeed(1, 'a', 'b'));
    expect(hashSeed('1')).not.toBe(hashSeed(1));
  });
});

describe('createRandom', () => {
  it('keeps int, between and exponential inside their ranges', () => {
    const random = createRandom(7);
    for (let i = 0; i < 500; i++) {
      const n = random.int(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
      const x = random.between(-1, 1);
      expect(x >= -1 && x < 1).toBe(true);
      expect(random.exponential(10)).toBeGreaterThanOrEqual(0);
    }
  });

  it('reaches both ends of an int range', () => {
    const random = createRandom(3);
    const seen = new Set(Array.from({ length: 200 }, () => random.int(0, 3)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });

  it('makes version 4 shaped uuids and hex of the asked length', () => {
    const random = createRandom(9);
    expect(random.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(random.hex(32)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('follows the weights when choosing', () => {
    const random = createRandom(11);
    const picks = Array.from({ length: 1000 }, () =>
      random.weighted([
        ['common', 9],
        ['rare', 1],
        ['never', 0],
      ]),
    );
    const common = picks.filter((p) => p === 'common').length;
    expect(common).toBeGreaterThan(800);
    expect(picks).toContain('rare');
    expect(picks).not.toContain('never');
  });

  it('throws when asked to pick from nothing', () => {
    expect(() => createRandom(1).pick([])).toThrow(EmptyChoiceError);
    expect(() => createRandom(1).weighted([])).toThrow(EmptyChoiceError);
  });
});
