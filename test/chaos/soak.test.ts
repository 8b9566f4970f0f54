import { describe, expect, it } from 'vitest';
import { formatSoakResult, runSoak, soakPassed } from '../../scripts/soak-run';

// A short soak (`npm run soak` runs 500 cycles): the real CLI process, cycle after cycle, against a
// faulty simulator, with hard kills; nothing may be lost, contradicted or announced under two ids.
describe('runSoak', () => {
  it('loses, contradicts and doubles nothing over CLI cycles with faults and SIGKILLs', async () => {
    const result = await runSoak({
      cycles: 10,
      seed: 7,
      killCycles: [2, 5, 8],
      faults: { serverError: 0.1, truncatedJson: 0.1, connectionReset: 0.05, wrongTypes: 0.05 },
      speed: 6,
      jobsPerMinute: 6,
    });

    const report = formatSoakResult(result);
    expect(result.kills, report).toBeGreaterThanOrEqual(1);
    expect(
      Object.values(result.faults).reduce((sum, count) => sum + count, 0),
      report,
    ).toBeGreaterThan(0);
    expect(result.events, report).toBeGreaterThan(0);
    expect({
      lost: result.lost,
      contradicting: result.contradicting,
      duplicateIds: result.duplicateIds,
    }).toEqual({
      lost: 0,
      contradicting: 0,
      duplicateIds: 0,
    });
    expect(soakPassed(result), report).toBe(true);
    // Ten CLI processes: 70 s on a 2-core machine that other work loads; three times that.
  }, 240_000);
});
