import { type ParseArgsConfig, parseArgs } from 'node:util';
import { nearestName } from '../shared/did-you-mean';
import { UsageError } from './specs';

/** The flags of one command, as `node:util` parseArgs options. */
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** The values parseArgs gives for `options`, strictly parsed. */
export type FlagValues<T extends FlagOptions> = ReturnType<
  typeof parseArgs<{ options: T; strict: true }>
>['values'];

/**
 * Parses a command's flags strictly. A mistake is a {@link UsageError} naming the command, and an
 * unknown flag gets the nearest known one: `poll: unknown flag --project (did you mean --project-id?); see --help`.
 */
export function parseFlags<T extends FlagOptions>(
  command: string,
  args: readonly string[],
  options: T,
): FlagValues<T> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false })
      .values as FlagValues<T>;
  } catch (error) {
    throw new UsageError(`${command}: ${flagMistake(error as Error, options)}; see --help`, { cause: error });
  }
}

/** What parseArgs refused, with a did-you-mean for an unknown flag. */
function flagMistake(error: Error & { code?: string }, options: FlagOptions): string {
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(error.message)?.[1];
  if (error.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || unknown === undefined) return error.message;
  const known = Object.keys(options);
  const nearest = nearestName(unknown.replace(/^-+/, ''), known);
  return nearest === undefined
    ? `unknown flag ${unknown} (the flags are ${known.map((name) => `--${name}`).join(', ')})`
    : `unknown flag ${unknown} (did you mean --${nearest}?)`;
}
