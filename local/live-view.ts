import type { Job } from '../shared/job';

const BAR_WIDTH = 20;

/** One progress-bar line for a running job, e.g. `BackupInstance  nosql-12f5  [████░░░░]  45%  1m 20s`. */
export function progressLine(job: Job, nowMs: number): string {
  const percent = Math.max(0, Math.min(100, job.progress ?? 0));
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const elapsedSeconds = Math.max(0, Math.round((nowMs - Date.parse(job.start_time)) / 1000));
  const progress = job.progress === null ? '  ?%' : `${String(percent).padStart(3)}%`;
  return `  ${job.name.padEnd(28)} ${job.instance.name.padEnd(14)} [${bar}] ${progress}  ${elapsed(elapsedSeconds)}`;
}

function elapsed(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m ${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * A block of live lines kept at the bottom of a terminal: event lines print above it and the
 * block is redrawn under them. Only for TTYs; elsewhere callers print plain lines.
 */
export class LiveBlock {
  private lines: readonly string[] = [];

  constructor(private readonly write: (text: string) => void) {}

  /** Prints a line above the block. */
  print(line: string): void {
    this.write(`${this.erase()}${line}\n${this.render()}`);
  }

  /** Replaces the block's lines. */
  update(lines: readonly string[]): void {
    const erase = this.erase();
    this.lines = lines;
    this.write(`${erase}${this.render()}`);
  }

  /** Removes the block (at exit). */
  clear(): void {
    this.write(this.erase());
    this.lines = [];
  }

  /**
   * Back to the block's first line and clear to the end of the screen. Starts with a carriage
   * return: the cursor need not be in column 0 (the terminal echoes a typed Ctrl-C as `^C` below
   * the block), and cursor-up keeps the column, so without it the block's first characters stay.
   */
  private erase(): string {
    return this.lines.length > 0 ? `\r\x1b[${this.lines.length}A\x1b[0J` : '';
  }

  private render(): string {
    return this.lines.map((line) => `${line}\n`).join('');
  }
}
