import { ConfigError } from '../shared/config';
import { printable } from '../shared/printable';
import { UsageError } from './specs';

/** Exit codes of the CLI contract. */
export const ExitCode = { Ok: 0, CycleFailed: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Errors that mean "fix the command line or the configuration": exit code 2. */
export function isUsageError(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    (error instanceof Error && /ConfigError$/.test(error.name))
  );
}

/** JavaScript's own errors: a mistake in this code, not the user's, so the stack is worth showing. */
const BUG_ERRORS = ['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError'] as const;

/**
 * True for an error that can only come from a bug in the watcher (or a dependency): a thrown
 * non-Error, or one of JavaScript's own errors without a cause (Node's `TypeError: fetch failed`
 * carries the network error as its cause, and is no bug).
 */
export function isBug(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  return (BUG_ERRORS as readonly string[]).includes(error.name) && error.cause === undefined;
}

/**
 * What the CLI prints for an error that ended a command, and the exit code: one line
 * `error: <message>` for the user's mistakes and the failures the watcher names itself; the stack
 * too for a bug, or for anything when `DEBUG=1`.
 */
export function describeFatal(
  error: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { readonly text: string; readonly code: ExitCode } {
  const message = error instanceof Error ? error.message : String(error);
  const line = `error: ${printable(message).replace(/\s+/g, ' ').trim()}`;
  const code = isUsageError(error) ? ExitCode.Usage : ExitCode.CycleFailed;
  const stack = error instanceof Error ? error.stack : undefined;
  if (env.DEBUG === '1' && stack) return { text: `${line}\n${stack}\n`, code };
  if (isBug(error)) {
    return {
      text: `${line}\nThis is a bug in geminidb-job-watcher; please report it with the lines below.\n${stack ?? ''}\n`,
      code,
    };
  }
  return { text: `${line}\n`, code };
}

/**
 * The one-line message for an error that escaped every handler. Dynalite throws
 * `Database is closed` from its request handler when its LevelDB directory could not be opened:
 * another process took the `--store dynalite:DIR` between the check at start and the open.
 */
export function explainUncaught(error: unknown): unknown {
  if (error instanceof Error && error.message === 'Database is closed') {
    return new UsageError(
      'the embedded store could not be opened: another process has the same --store dynalite:DIR; stop it, or give this command another --store dynalite:DIR',
      { cause: error },
    );
  }
  return error;
}

/**
 * Makes an uncaught exception or unhandled rejection end the process like any other error (one
 * line, the stack only for bugs or with `DEBUG=1`) instead of Node's raw stack trace.
 */
export function installFatalHandlers(
  write: (text: string) => void = (text) => process.stderr.write(text),
): void {
  const onFatal = (error: unknown) => {
    const { text, code } = describeFatal(explainUncaught(error), process.env);
    write(text);
    process.exit(code);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}
