import { civilFromDays, daysFromCivil, daysInMonth, Iso8601Error, MICROS_PER_DAY, type IsoDateTime } from './iso8601-datetime.js';

/**
 * An ISO 8601 duration as MapProxy's wmsparse keeps it: calendar months (years count as 12) applied to the
 * date first, with the day clamped to the month's length, then a fixed number of microseconds.
 */
export interface IsoDuration {
  readonly months: number;
  readonly micros: number;
}

// `P[nY][nM][nW][nD][T[nH][nM][nS]]`, each with an optional decimal fraction (wmsparse's ISO8601_INTERVAL_REGEX).
const DURATION =
  /^(?<sign>[+-])?P(?!$)(?:(?<years>\d+(?:[,.]\d+)?)Y)?(?:(?<months>\d+(?:[,.]\d+)?)M)?(?:(?<weeks>\d+(?:[,.]\d+)?)W)?(?:(?<days>\d+(?:[,.]\d+)?)D)?(?:T(?:(?<hours>\d+(?:[,.]\d+)?)H)?(?:(?<minutes>\d+(?:[,.]\d+)?)M)?(?:(?<seconds>\d+(?:[,.]\d+)?)S)?)?$/;

const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v.replace(',', '.')));

export function parseIsoDuration(text: string): IsoDuration {
  const g = DURATION.exec(text)?.groups;
  if (!g) throw new Iso8601Error(`Unable to parse duration string ${JSON.stringify(text)}`);
  const years = num(g['years']);
  const months = num(g['months']);
  const calendarMonths = years * 12 + months;
  if (calendarMonths !== 0 && !(Number.isInteger(years) && Number.isInteger(months))) {
    // wmsparse keeps them and fails when the duration is added to a date
    throw new Iso8601Error('fractional years or months not supported for date calculations');
  }
  // timedelta rounds to whole microseconds
  const micros = Math.round(
    num(g['weeks']) * 7 * MICROS_PER_DAY + num(g['days']) * MICROS_PER_DAY + num(g['hours']) * 3_600_000_000 +
      num(g['minutes']) * 60_000_000 + num(g['seconds']) * 1_000_000,
  );
  const sign = g['sign'] === '-' ? -1 : 1;
  return { months: sign * calendarMonths, micros: sign * micros };
}

/** True for a duration that never advances (PT0S): expanding an interval by it would never end. */
export function isZeroDuration(d: IsoDuration): boolean {
  return d.months === 0 && d.micros === 0;
}

function shiftMonths(t: IsoDateTime, months: number): IsoDateTime {
  if (months === 0) return t;
  const days = Math.floor(t.wallMicros / MICROS_PER_DAY);
  const timeOfDay = t.wallMicros - days * MICROS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const index = year * 12 + (month - 1) + months;
  const newYear = Math.floor(index / 12);
  const newMonth = index - newYear * 12 + 1;
  if (newYear < 1 || newYear > 9999) throw new Iso8601Error('date value out of range');
  const newDay = Math.min(day, daysInMonth(newYear, newMonth));
  return { ...t, wallMicros: daysFromCivil(newYear, newMonth, newDay) * MICROS_PER_DAY + timeOfDay };
}

/** `t + d`: months first (day clamped), then the fixed part. */
export function addDuration(t: IsoDateTime, d: IsoDuration): IsoDateTime {
  const shifted = shiftMonths(t, d.months);
  return { ...shifted, wallMicros: shifted.wallMicros + d.micros };
}

/** `t - d`: months first (day clamped), then the fixed part. */
export function subtractDuration(t: IsoDateTime, d: IsoDuration): IsoDateTime {
  const shifted = shiftMonths(t, -d.months);
  return { ...shifted, wallMicros: shifted.wallMicros - d.micros };
}
