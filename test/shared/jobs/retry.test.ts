import { describe, expect, it } from 'vitest';
import { backoffDelayMs, RETRY_AFTER_CAP_MS, retryAfterMs } from '../../../shared/jobs/retry';

describe('backoffDelayMs', () => {
  it.each([
    [1, 0.5, 250],
    [2, 0.5, 500],
    [3, 0.5, 1_000],
    [4, 0.5, 2_000],
    [6, 0.5, 4_000],
    [10, 0.5, 4_000],
    [3, 0, 0],
    [3, 0.999, 1_998],
  ])(
    'waits %i failures with random %d for %i ms (base 500, max 8000)',
    (failedAttempts, random, expected) => {
      expect(
        backoffDelayMs({ failedAttempts, baseDelayMs: 500, maxDelayMs: 8_000, random: () => random }),
      ).toBe(expected);
    },
  );
});

describe('retryAfterMs', () => {
  const nowMs = Date.parse('2023-09-12T06:44:01Z');

  it.each([
    ['3', 3_000],
    ['0', 0],
    [' 2 ', 2_000],
    ['1.5', 1_500],
    ['120', RETRY_AFTER_CAP_MS],
    ['Tue, 12 Sep 2023 06:44:06 GMT', 5_000],
    ['Tue, 12 Sep 2023 06:00:00 GMT', 0],
    ['Tue, 12 Sep 2023 08:00:00 GMT', RETRY_AFTER_CAP_MS],
  ])('reads Retry-After %j as %i ms', (header, expected) => {
    expect(retryAfterMs(header, nowMs)).toBe(expected);
  });

  it.each([[null], [''], ['soon'], ['-3']])('ignores Retry-After %j', (header) => {
    expect(retryAfterMs(header, nowMs)).toBeUndefined();
  });
});
