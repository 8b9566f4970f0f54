/**
 * How a validation issue reads to the person who wrote the input: the field as they wrote it, and
 * for an unknown key the key they most likely meant. One place for every schema's messages (the
 * config file, the environment, the poll event, API responses, consumed events).
 */
import { nearestName } from './did-you-mean';

/**
 * Renders an issue path as the user wrote it: `targets[0].region`, `data.job.status`,
 * `Records[0].body`; `root` names the value itself (the empty path).
 */
export function fieldPath(path: readonly PropertyKey[], root = ''): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? root : text;
}

/** The keys an object schema takes (zod keeps them in `_zod.def.shape`); none for any other schema. */
export function objectKeys(schema: unknown): string[] {
  const shape = (schema as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * One line per key an object does not take, each with the known key it most likely meant, or the
 * keys it takes when none is close: `Unrecognized key: "pollRate"; did you mean "pollRateMinutes"?`.
 */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const nearest = nearestName(key, known);
      if (nearest !== undefined) return `Unrecognized key: "${key}"; did you mean "${nearest}"?`;
      if (known.length === 0) return `Unrecognized key: "${key}"`;
      return `Unrecognized key: "${key}"; the keys here are ${known.map((name) => `"${name}"`).join(', ')}`;
    })
    .join('; ');
}
