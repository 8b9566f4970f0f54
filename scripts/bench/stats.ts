/** The median of some numbers (the mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** What one measured run cost the benchmark process. */
export interface RunCost {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
}

/** Runs `work` and measures its wall time, the process's CPU time and its resident memory after. */
export async function measured<T>(work: () => Promise<T>): Promise<{ value: T; cost: RunCost }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    value,
    cost: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage().rss / (1024 * 1024) },
  };
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
