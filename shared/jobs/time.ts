/** How the jobs API writes a time; quoted in error messages so a reader knows what was expected. */
export const API_TIME_EXAMPLE = '2023-09-12T06:44:01+0000';

const API_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * A query time as the jobs API wants it: `yyyy-mm-ddThh:mm:ss+0000` in UTC, whole seconds
 * (the API has no sub-second precision, so milliseconds are dropped).
 */
export function formatApiTime(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+0000`
  );
}

/**
 * Parses a time the jobs API sent, with any offset (`+0000`, `+0800`, `+08:00`, `Z`), and
 * optional fractional seconds. Returns undefined for anything else, including impossible
 * dates such as February 30 that `Date.parse` would silently roll over.
 */
export function parseApiTime(text: string): Date | undefined {
  const match = API_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  const offsetMinutes = zoneOffsetMinutes(zone ?? 'Z');
  if (offsetMinutes === undefined) return undefined;
  return new Date(local - offsetMinutes * 60_000);
}

function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (hours * 60 + minutes);
}
