/**
 * A seeded pseudo-random source. The simulator draws everything from these so that the same
 * seed and the same clock replay the same world, request after request.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One item, uniformly. Throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** One item, chosen by weight (weights need not sum to 1). Throws on an empty list. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** Exponentially distributed value with the given mean (inter-arrival times). */
  exponential(mean: number): number;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
  /** A random (version 4 shaped) UUID, like the ids GeminiDB gives its tasks. */
  uuid(): string;
}

/** Thrown when a random choice is asked of an empty list. */
export class EmptyChoiceError extends Error {
  constructor(what: string) {
    super(`Cannot choose from an empty ${what}: pass at least one item.`);
    this.name = 'EmptyChoiceError';
  }
}

/** The mulberry32 generator: 32 bits of state, fast, good enough for simulation (not for secrets). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes parts (seed, project id, stream name, index) into one 32-bit seed, so independent
 * streams can be derived without drawing from a shared one.
 */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${typeof part}:${String(part)}|`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

/** A {@link Random} over mulberry32 with the given seed. */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const between = (min: number, max: number): number => min + next() * (max - min);
  const int = (min: number, max: number): number => Math.floor(between(min, max + 1));
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += int(0, 15).toString(16);
    return out;
  };
  return {
    next,
    between,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new EmptyChoiceError('list');
      return item;
    },
    weighted<T>(items: readonly (readonly [T, number])[]): T {
      const total = items.reduce((sum, [, weight]) => sum + weight, 0);
      let target = next() * total;
      for (const [item, weight] of items) {
        target -= weight;
        if (target < 0) return item;
      }
      const last = items.at(-1);
      if (last === undefined) throw new EmptyChoiceError('weighted list');
      return last[0];
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + int(0, 3)).toString(16)}${hex(3)}-${hex(12)}`,
  };
}
