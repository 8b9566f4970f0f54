import { AsyncLocalStorage } from 'node:async_hooks';

/** DynamoDB capacity and requests, as reported by `ReturnConsumedCapacity`. */
export interface StoreUsage {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly requests: number;
  readonly readRequests: number;
  readonly writeRequests: number;
}

/** A running tally of {@link StoreUsage}. */
export interface UsageTally {
  readUnits: number;
  writeUnits: number;
  requests: number;
  readRequests: number;
  writeRequests: number;
}

/** A tally at zero. */
export function emptyUsage(): UsageTally {
  return { readUnits: 0, writeUnits: 0, requests: 0, readRequests: 0, writeRequests: 0 };
}

/** The tallies of the calling context, innermost last: a request counts into every enclosing one. */
const scope = new AsyncLocalStorage<readonly UsageTally[]>();

/**
 * Runs `work` and returns, with its result, what the store requests made inside it consumed.
 * The tally follows the async context, so it stays right when several cycles share one store and
 * when the store is wrapped (tests, fault injection) on the way.
 */
export async function measureStoreUsage<T>(
  work: () => Promise<T>,
): Promise<{ result: T; usage: StoreUsage }> {
  const tally = emptyUsage();
  const result = await scope.run([...(scope.getStore() ?? []), tally], work);
  return { result, usage: { ...tally } };
}

/** Adds one request to the tally of the calling context, if any (called by store adapters). */
export function addStoreUsage(kind: 'read' | 'write', units: number): void {
  for (const tally of scope.getStore() ?? []) countInto(tally, kind, units);
}

/** Adds one request of `kind` consuming `units` to `tally`. */
export function countInto(tally: UsageTally, kind: 'read' | 'write', units: number): void {
  tally.requests += 1;
  if (kind === 'read') {
    tally.readRequests += 1;
    tally.readUnits += units;
  } else {
    tally.writeRequests += 1;
    tally.writeUnits += units;
  }
}
