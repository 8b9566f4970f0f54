import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the soak starts the CLI: a one-file esbuild bundle (fast) or the TypeScript sources through tsx. */
export const SoakRunner = { Bundle: 'bundle', Tsx: 'tsx' } as const;
export type SoakRunner = (typeof SoakRunner)[keyof typeof SoakRunner];

/** The repository root (this file lives in `scripts/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The node arguments that start the CLI. The bundle goes under `node_modules/.cache` so that its
 * external packages resolve from the repository's `node_modules`; building it takes a second and
 * saves most of tsx's per-process transform time.
 */
export async function cliCommand(
  runner: SoakRunner,
): Promise<{ command: readonly string[]; dispose(): Promise<void> }> {
  const entry = join(REPO_ROOT, 'local', 'cli.ts');
  if (runner === SoakRunner.Tsx) return { command: ['--import', 'tsx', entry], dispose: async () => {} };
  // One bundle per soak: another soak may be rebuilding its own meanwhile.
  const outfile = join(
    REPO_ROOT,
    'node_modules',
    '.cache',
    'geminidb-soak',
    `cli-${process.pid}-${Date.now()}.mjs`,
  );
  await mkdir(dirname(outfile), { recursive: true });
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return { command: [outfile], dispose: () => rm(outfile, { force: true }) };
}

/** How one CLI process ended. */
export interface CliRun {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly durationMs: number;
  /** True when the soak's SIGKILL is what ended it. */
  readonly killed: boolean;
}

/** A CLI process the soak started: how it ends, and a hard kill. */
export interface CliProcess {
  readonly done: Promise<CliRun>;
  /** SIGKILLs the process if it still runs. */
  kill(): void;
}

/** Starts the CLI once with `args`. */
export function startCli(
  command: readonly string[],
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): CliProcess {
  const startedMs = Date.now();
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let sentKill = false;
  let exited = false;
  const done = new Promise<CliRun>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      exited = true;
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        durationMs: Date.now() - startedMs,
        killed: sentKill && signal === 'SIGKILL',
      });
    });
  });
  return {
    done,
    kill() {
      if (!exited && child.exitCode === null) sentKill = child.kill('SIGKILL') || sentKill;
    },
  };
}
