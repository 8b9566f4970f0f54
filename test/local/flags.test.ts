import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../local/flags';
import { UsageError } from '../../local/specs';

const FLAGS = {
  region: { type: 'string' },
  'project-id': { type: 'string' },
  once: { type: 'boolean' },
} as const;

describe('parseFlags', () => {
  it('gives the values of the known flags', () => {
    expect(parseFlags('poll', ['--region', 'r', '--once'], FLAGS)).toEqual({ region: 'r', once: true });
  });

  it('names the nearest flag when an unknown one is close to it', () => {
    expect(() => parseFlags('poll', ['--project', 'p'], FLAGS)).toThrow(
      new UsageError('poll: unknown flag --project (did you mean --project-id?); see --help'),
    );
  });

  it('lists the flags when no known flag is close', () => {
    expect(() => parseFlags('poll', ['--bogus'], FLAGS)).toThrow(
      'poll: unknown flag --bogus (the flags are --region, --project-id, --once); see --help',
    );
  });

  it('passes on what else parseArgs refuses, naming the command', () => {
    expect(() => parseFlags('poll', ['--once=yes'], FLAGS)).toThrow(
      /^poll: Option '--once' does not take an argument; see --help$/,
    );
    expect(() => parseFlags('poll', ['stray'], FLAGS)).toThrow(UsageError);
  });
});
