import { InvalidTimeError } from './errors';

/**
 * Times on the command line: `now`, a relative time in the past (`-30m`, `-2h`, `-1d`), or an ISO 8601
 * date-time with a time zone (`2026-11-26T10:00:00Z`, `2026-11-26T11:00:00+01:00`). A date-time
 * without a zone is refused: on an incident, "10:00" in the wrong zone replays the wrong hour.
 */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const RELATIVE = /^-(\d+)([smhd])$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$/;

export const TIME_FORMATS =
  'now, -30m / -2h / -1d (relative), or 2026-11-26T10:00:00Z (ISO 8601 with a zone)';

export function parseTime(text: string, option: string, now: Date): Date {
  const value = text.trim();
  if (value === 'now') return new Date(now.getTime());
  const relative = RELATIVE.exec(value);
  if (relative) {
    const [, amount, unit] = relative;
    return new Date(now.getTime() - Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  }
  if (ISO_WITHOUT_ZONE.test(value)) {
    throw new InvalidTimeError(
      `${option} "${text}" has no time zone: add Z (UTC) or an offset such as +01:00, e.g. ${value.includes('T') ? value : `${value}T00:00:00`}Z`,
    );
  }
  if (ISO_WITH_ZONE.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new InvalidTimeError(`${option} "${text}" is not a time. Use ${TIME_FORMATS}.`);
}

/** A time window for a replay: from before to, and not in the future. */
export function parseWindow(from: string, to: string, now: Date): { from: Date; to: Date } {
  const start = parseTime(from, '--from', now);
  const end = parseTime(to, '--to', now);
  if (start.getTime() >= end.getTime()) {
    throw new InvalidTimeError(`--from (${start.toISOString()}) must be before --to (${end.toISOString()}).`);
  }
  if (end.getTime() > now.getTime() + 60_000) {
    throw new InvalidTimeError(
      `--to (${end.toISOString()}) is in the future: the archive holds only events that happened; use --to now.`,
    );
  }
  return { from: start, to: end };
}
