import { describe, expect, it } from 'vitest';
import { addStoreUsage, measureStoreUsage } from '../../../shared/store/usage';

describe('measureStoreUsage', () => {
  it('counts the requests made inside the work, by kind, and nothing outside it', async () => {
    addStoreUsage('read', 9);
    const { result, usage } = await measureStoreUsage(async () => {
      addStoreUsage('read', 0.5);
      await new Promise((resolve) => setTimeout(resolve, 1));
      addStoreUsage('write', 2);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(usage).toEqual({ readUnits: 0.5, writeUnits: 2, requests: 2, readRequests: 1, writeRequests: 1 });
  });

  it('keeps concurrent measurements apart and counts nested ones into the enclosing one too', async () => {
    const outer = await measureStoreUsage(async () => {
      const [a, b] = await Promise.all([
        measureStoreUsage(async () => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          addStoreUsage('write', 1);
        }),
        measureStoreUsage(async () => {
          addStoreUsage('read', 1);
          addStoreUsage('read', 1);
        }),
      ]);
      return [a.usage, b.usage];
    });
    expect(outer.result[0]).toMatchObject({ requests: 1, writeUnits: 1, readUnits: 0 });
    expect(outer.result[1]).toMatchObject({ requests: 2, writeUnits: 0, readUnits: 2 });
    expect(outer.usage).toMatchObject({ requests: 3, readUnits: 2, writeUnits: 1 });
  });
});
