import { describe, expect, it } from 'vitest';
import { formatHuaweiTime, parseHuaweiTime } from '../../../local/simulator/raw-job';

const INSTANT = Date.UTC(2023, 8, 12, 6, 44, 1);

describe('formatHuaweiTime', () => {
  it('renders whole seconds with an offset without a colon', () => {
    expect(formatHuaweiTime(INSTANT + 999)).toBe('2023-09-12T06:44:01+0000');
  });

  it('renders the same instant in Beijing time with +0800', () => {
    expect(formatHuaweiTime(INSTANT, 480)).toBe('2023-09-12T14:44:01+0800');
    expect(formatHuaweiTime(INSTANT, -330)).toBe('2023-09-12T01:14:01-0530');
  });
});

describe('parseHuaweiTime', () => {
  it.each([
    ['2023-09-12T06:44:01+0000', INSTANT],
    ['2023-09-12T14:44:01+0800', INSTANT],
    ['2023-09-12T01:14:01-0530', INSTANT],
    ['2023-09-12T06:44:01Z', INSTANT],
  ])('reads %s', (text, expected) => {
    expect(parseHuaweiTime(text)).toBe(expected);
  });

  it.each([
    ['a space where the + was', '2023-09-12T06:44:01 0000'],
    ['no offset', '2023-09-12T06:44:01'],
    ['an offset with a colon', '2023-09-12T06:44:01+08:00'],
    ['milliseconds', '2023-09-12T06:44:01.000Z'],
    ['a date only', '2023-09-12'],
    ['month 13', '2023-13-12T06:44:01Z'],
    ['February 30', '2023-02-30T06:44:01Z'],
    ['hour 24', '2023-09-12T24:00:00Z'],
    ['offset beyond 14 h', '2023-09-12T06:44:01+1500'],
    ['epoch seconds', '1694501041'],
  ])('rejects %s', (_case, text) => {
    expect(parseHuaweiTime(text)).toBeUndefined();
  });

  it('round-trips what formatHuaweiTime renders', () => {
    for (const offset of [0, 480, -300]) {
      expect(parseHuaweiTime(formatHuaweiTime(INSTANT, offset))).toBe(INSTANT);
    }
  });
});
