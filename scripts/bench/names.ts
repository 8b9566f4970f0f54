/** DynamoDB tables of the benchmark backend: one per strategy, so neither sees the other's items. */
export const BENCH_TABLES = { watcher: 'bench-watcher', naive: 'bench-naive' } as const;

/** The token the backend's simulator accepts. */
export const BENCH_TOKEN = 'bench-token';

/** Region of every benchmark target. */
export const BENCH_REGION = 'ap-southeast-1';

/** Project ids of a cell with `count` targets (32 hex digits, like real ones). */
export function benchProjectIds(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `0549b4a43100d4f32f51c01c2fe4${String(index).padStart(4, '0')}`,
  );
}
