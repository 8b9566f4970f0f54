/**
 * A task exactly as `GET /v3/{project_id}/jobs` puts it on the wire: every field a string,
 * times like `2023-09-12T06:44:01+0000`, `progress` `"60%"` only while running, else `""`.
 */
export interface RawJob {
  id: string;
  name: string;
  status: string;
  start_time: string;
  /** `""` while the task runs. */
  end_time: string;
  /** `"60%"` while running, else `""`. */
  progress: string;
  instance: RawInstance;
  /** `""` unless the task failed. */
  fail_reason: string;
}

/** The instance a task belongs to (`JobInstanceInfo` in the API doc). */
export interface RawInstance {
  id: string;
  name: string;
}

const HUAWEI_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{4})$/;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * Renders an instant the way the API does: whole seconds, offset without a colon
 * (`+0000`, or `+0800` for the Beijing rendering of the same instant).
 */
export function formatHuaweiTime(epochMs: number, offsetMinutes = 0): string {
  const shifted = new Date(Math.floor(epochMs / 1000) * 1000 + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(shifted.getUTCFullYear(), 4)}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}` +
    `T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/**
 * Parses `yyyy-mm-ddThh:mm:ss` followed by `Z` or a `+hhmm`/`-hhmm` offset into epoch ms.
 * Returns undefined for anything else, including impossible dates and a space where the
 * `+` was (what a client gets when it forgets to send `+` as `%2B`).
 */
export function parseHuaweiTime(text: string): number | undefined {
  const match = HUAWEI_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zone = match[7] ?? 'Z';
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const probe = new Date(utc);
  const sameFields =
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!sameFields) return undefined;
  if (zone === 'Z') return utc;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(3, 5));
  if (offsetHours > 14 || offsetMinutes > 59) return undefined;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (zone.startsWith('-') ? -1 : 1);
  return utc - offsetMs;
}
