import { describe, expect, it } from 'vitest';
import { describeFatal, ExitCode, explainUncaught, isBug } from '../../local/fatal';
import { UsageError } from '../../local/specs';
import { StoreInUseError } from '../../local/store-lock';
import { AuthConfigError } from '../../shared/auth/errors';
import { ConfigError } from '../../shared/config';
import { PublishError } from '../../shared/publish/errors';

describe('describeFatal', () => {
  it.each<[string, Error, ExitCode]>([
    ['a usage error', new UsageError('--sink: "x" is not a sink'), ExitCode.Usage],
    ['a store in use', new StoreInUseError('--store dynalite:d: the store is in use', 42), ExitCode.Usage],
    [
      'a configuration error',
      new ConfigError('Invalid configuration: --endpoint: must be an http(s) URL'),
      ExitCode.Usage,
    ],
    ['an auth configuration error', new AuthConfigError('set HUAWEICLOUD_SDK_SK'), ExitCode.Usage],
    ['a failure the watcher names', new PublishError('sns', 'could not publish'), ExitCode.CycleFailed],
    [
      'a network TypeError with its cause',
      new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }),
      ExitCode.CycleFailed,
    ],
  ])('prints one line and no stack for %s', (_label, error, code) => {
    const fatal = describeFatal(error, {});
    expect(fatal.code).toBe(code);
    expect(fatal.text).toBe(`error: ${error.message.replace(/\s+/g, ' ')}\n`);
  });

  it('prints the stack of a bug, saying it is one', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(isBug(error)).toBe(true);
    const fatal = describeFatal(error, {});
    expect(fatal.code).toBe(ExitCode.CycleFailed);
    expect(fatal.text).toMatch(
      /^error: Cannot read properties .*\nThis is a bug in geminidb-job-watcher; .*\nTypeError: .*\n {4}at /,
    );
  });

  it('adds the stack to any error with DEBUG=1', () => {
    const fatal = describeFatal(new UsageError('--port: bad'), { DEBUG: '1' });
    expect(fatal.code).toBe(ExitCode.Usage);
    expect(fatal.text).toMatch(/^error: --port: bad\nUsageError: --port: bad\n {4}at /);
  });
});

describe('explainUncaught', () => {
  it("names the fix for dynalite's 'Database is closed' and leaves other errors alone", () => {
    const explained = explainUncaught(new Error('Database is closed'));
    expect(explained).toBeInstanceOf(UsageError);
    expect((explained as Error).message).toMatch(
      /another process has the same --store dynalite:DIR; stop it/,
    );
    const other = new Error('boom');
    expect(explainUncaught(other)).toBe(other);
  });
});

describe('finding 9: describeFatal prints no terminal escape', () => {
  it('turns control characters in an error message into spaces', () => {
    const fatal = describeFatal(new PublishError('sns', 'instance nosql\u001b[2J\u009b31m failed'), {});
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character is the point
    expect(fatal.text.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
