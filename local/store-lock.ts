import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UsageError } from './specs';

/** File in a `dynalite:DIR` store naming the process that has it open (LevelDB ignores it). */
export const STORE_PID_FILE = 'watcher.pid';

/** A `dynalite:DIR` store another process has open: LevelDB lets one process at a time in. */
export class StoreInUseError extends UsageError {
  override readonly name: string = 'StoreInUseError';
  /** The holder's process id, when its pid file names a live process. */
  readonly pid: number | undefined;

  constructor(message: string, pid: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.pid = pid;
  }
}

/** A `dynalite:DIR` that cannot hold a store: a file, not writable, or not a LevelDB directory. */
export class StoreDirError extends UsageError {
  override readonly name: string = 'StoreDirError';
}

/** The part of a LevelDB database the probe uses. */
interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

type LevelConstructor = new (location: string) => LevelDatabase;

/** The `level` package dynalite itself opens its directory with (resolved from dynalite's location). */
function dynaliteLevel(): LevelConstructor {
  const fromHere = createRequire(import.meta.url);
  const fromDynalite = createRequire(fromHere.resolve('dynalite'));
  return (fromDynalite('level') as { Level: LevelConstructor }).Level;
}

/** A claimed store directory; `release` removes the pid file when it is still this process's. */
export interface StoreClaim {
  release(): Promise<void>;
}

/**
 * Checks that this process can open the embedded store in `dir` before dynalite does, because
 * dynalite reports a directory another process holds only later, as an uncaught
 * `Error: Database is closed` with a stack trace. Opens and closes the LevelDB database once (its
 * `LOCK` is the truth: the OS releases it when the holder dies), then writes this process's id to
 * {@link STORE_PID_FILE} so that a second process can name the holder.
 * Throws {@link StoreInUseError} or {@link StoreDirError}, both exit 2 with the fix.
 */
export async function claimStoreDir(dir: string): Promise<StoreClaim> {
  const flag = `--store dynalite:${dir}`;
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new StoreDirError(
      `${flag}: cannot use ${dir} as the store directory (${osCode(cause)}); give a directory you may write to`,
      { cause },
    );
  }
  const Level = dynaliteLevel();
  const db = new Level(dir);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      const pid = await holderPid(dir);
      throw new StoreInUseError(
        `${flag}: the store is in use by another process${pid === undefined ? '' : ` (pid ${pid})`}; stop it, or give this command another --store dynalite:DIR`,
        pid,
        { cause: error },
      );
    }
    const reason = typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    throw new StoreDirError(
      `${flag}: cannot open the embedded database in ${dir} (${reason}); give another directory (an empty one, or one poll made)`,
      { cause: error },
    );
  }
  await db.close();
  const pidFile = join(dir, STORE_PID_FILE);
  await writeFile(pidFile, `${process.pid}\n`);
  return {
    async release() {
      const holder = await readFile(pidFile, 'utf8').catch(() => '');
      if (holder.trim() === String(process.pid)) await rm(pidFile, { force: true });
    },
  };
}

/** The pid in the store's pid file when that process is alive (a stale file names nobody). */
async function holderPid(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, STORE_PID_FILE), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

function osCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST' || code === 'ENOTDIR') return `${code}: a file is in the way`;
  return code ?? String(error);
}
