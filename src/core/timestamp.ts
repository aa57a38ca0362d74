// The one parser of timestamps that come from outside (RFC 3339 §5.6 date-time). Strict on
// purpose: `Date.parse` rolls an impossible calendar date over (2026-11-31 becomes 1 December)
// and accepts forms PostgreSQL reads differently or refuses (hour 24, year 0000, six-digit
// years), so a time checked by one and stored by the other could name two instants, or sink a
// whole transaction. Here every field is range-checked against the real calendar, and the
// instant is computed by arithmetic, not by Date.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The earliest and latest instants accepted: years 0001 to 9999, what PostgreSQL and RFC 3339 share. */
export const EARLIEST_TIMESTAMP_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
export const LATEST_TIMESTAMP_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

export interface TimestampOptions {
  /**
   * Only `Z` (UTC) with upper-case `T` and `Z`, as signed telemetry requires: one spelling per
   * instant, so evidence reads the same everywhere. Otherwise lower case and `±HH:MM` offsets
   * are accepted too (RFC 3339 §5.6).
   */
  utcOnly?: boolean;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Parses an RFC 3339 date-time to epoch milliseconds, or undefined if it is not one or names
 * no real instant: day beyond its month, hour 24, a leap second (`:60`, which neither Date nor
 * PostgreSQL can hold as written), a year outside 0001-9999. Fractions finer than a
 * millisecond are truncated: the platform keeps times to the millisecond.
 */
export function parseTimestamp(text: string, options: TimestampOptions = {}): number | undefined {
  if (text.length > 40) return undefined;
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  if (options.utcOnly && (text[10] !== 'T' || m[8] !== 'Z')) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const ms =
    daysFromCivil(year, month, day) * 86_400_000 +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis;
  return ms < EARLIEST_TIMESTAMP_MS || ms > LATEST_TIMESTAMP_MS ? undefined : ms;
}
