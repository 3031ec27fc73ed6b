/**
 * ISO 8601 date-times as MapProxy's wmsparse reads and writes them (its `parse_datetime` and Python's
 * `datetime.isoformat()`): the values of a layer's TIME dimension are expanded from intervals with these, and
 * must come out spelled exactly as MapProxy spells them, because clients send them back verbatim.
 */

/** A wall-clock date-time with microseconds and an optional fixed UTC offset (naive when null). */
export interface IsoDateTime {
  /** Microseconds since 1970-01-01T00:00 of the wall clock (the offset is not applied). */
  readonly wallMicros: number;
  /** Minutes east of UTC; null for a time without zone designator. */
  readonly offsetMinutes: number | null;
  /** 'Z' for UTC, else the designator as written ('+02:00'); null when naive. */
  readonly zone: string | null;
}

export class Iso8601Error extends Error {
  override readonly name = 'Iso8601Error';
}

const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12); setUTCFullYear keeps years below 100. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.round(d.getTime() / 86_400_000);
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const d = new Date(days * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function daysInMonth(year: number, month: number): number {
  if ([1, 3, 5, 7, 8, 10, 12].includes(month)) return 31;
  if ([4, 6, 9, 11].includes(month)) return 30;
  return year % 400 === 0 || (year % 100 !== 0 && year % 4 === 0) ? 29 : 28;
}

function checkDate(year: number, month: number, day: number, text: string): void {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Iso8601Error(`date out of range: ${JSON.stringify(text)}`);
  }
}

// The date forms wmsparse tries, in its order; like Python's re.match they only anchor at the start.
const DATE_FORMS: readonly RegExp[] = [
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})/,
  /^(?<year>\d{4})(?<month>\d{2})(?<day>\d{2})/,
  /^(?<year>\d{4})-W(?<week>\d{2})-(?<wday>\d)/,
  /^(?<year>\d{4})W(?<week>\d{2})(?<wday>\d)/,
  /^(?<year>\d{4})-(?<yday>\d{3})/,
  /^(?<year>\d{4})(?<yday>\d{3})/,
  /^(?<year>\d{4})-W(?<week>\d{2})/,
  /^(?<year>\d{4})W(?<week>\d{2})/,
  /^(?<year>\d{4})-(?<month>\d{2})/,
  /^(?<year>\d{4})(?<month>\d{2})/,
  /^(?<year>\d{4})/,
  /^(?<century>\d{2})/,
];

/** Days since the epoch of an ISO date (wmsparse's parse_date: reduced forms take the first day). */
export function parseIsoDate(text: string): number {
  for (const form of DATE_FORMS) {
    const g = form.exec(text)?.groups;
    if (!g) continue;
    if (g['century'] !== undefined) return daysFromCivil(Number(g['century']) * 100 + 1, 1, 1);
    const year = Number(g['year']);
    if (g['week'] !== undefined) {
      // Python: Jan 1 + (week - (1 if Jan 1 is in ISO week 1)) weeks - (ISO weekday of Jan 1) + day
      const jan1 = daysFromCivil(year, 1, 1);
      const isoWeekday = ((jan1 % 7) + 7 + 3) % 7 + 1; // 1970-01-01 was a Thursday (4)
      const jan1InWeek1 = isoWeekday <= 4;
      const day = g['wday'] !== undefined ? Number(g['wday']) || 1 : 1;
      return jan1 + 7 * (Number(g['week']) - (jan1InWeek1 ? 1 : 0)) - isoWeekday + day;
    }
    if (g['yday'] !== undefined) {
      if (year < 1) throw new Iso8601Error(`date out of range: ${JSON.stringify(text)}`);
      return daysFromCivil(year, 1, 1) + Number(g['yday']) - 1;
    }
    const month = g['month'] !== undefined ? Number(g['month']) : 1;
    const day = g['day'] !== undefined ? Number(g['day']) : 1;
    checkDate(year, month, day, text);
    return daysFromCivil(year, month, day);
  }
  throw new Iso8601Error(`Unrecognised ISO 8601 date format: ${JSON.stringify(text)}`);
}

const TZ = '(?<tz>Z|(?<tzsign>[+-])(?<tzhour>\\d{2})(?::?(?<tzmin>\\d{2}))?)?';
const TIME_FORMS: readonly RegExp[] = [
  new RegExp(`^T?(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2}(?:[,.]\\d+)?)${TZ}`),
  new RegExp(`^T?(?<hour>\\d{2})(?<minute>\\d{2})(?<second>\\d{2}(?:[,.]\\d+)?)${TZ}`),
  new RegExp(`^T?(?<hour>\\d{2}):(?<minute>\\d{2}(?:[,.]\\d+)?)${TZ}`),
  new RegExp(`^T?(?<hour>\\d{2})(?<minute>\\d{2}(?:[,.]\\d+)?)${TZ}`),
  new RegExp(`^T?(?<hour>\\d{2}(?:[,.]\\d+)?)${TZ}`),
];

/** Microseconds of a fraction '0.5' rounded half-even like Decimal.quantize + to_integral. */
function fractionMicros(value: string, unitMicros: number): number {
  const [int, frac = ''] = value.replace(',', '.').split('.');
  const micros = Number(int) * unitMicros + (frac ? Number(`0.${frac}`) * unitMicros : 0);
  const floor = Math.floor(micros);
  const rest = micros - floor;
  if (Math.abs(rest - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(micros);
}

/** Microseconds since midnight and the zone of an ISO time (wmsparse's parse_time). */
export function parseIsoTime(text: string): { micros: number; offsetMinutes: number | null; zone: string | null } {
  for (const form of TIME_FORMS) {
    const g = form.exec(text)?.groups;
    if (!g) continue;
    let micros: number;
    if (g['second'] !== undefined) {
      micros = Number(g['hour']) * 3_600_000_000 + Number(g['minute']) * 60_000_000 + fractionMicros(g['second'], 1_000_000);
    } else if (g['minute'] !== undefined) {
      micros = Number(g['hour']) * 3_600_000_000 + fractionMicros(g['minute'], 60_000_000);
    } else {
      micros = fractionMicros(g['hour']!, 3_600_000_000);
    }
    if (micros >= MICROS_PER_DAY || Number(g['hour']) > 23 || Number(g['minute'] ?? 0) > 59 || Number((g['second'] ?? '0').slice(0, 2)) > 59) {
      throw new Iso8601Error(`time out of range: ${JSON.stringify(text)}`);
    }
    const tz = g['tz'];
    if (!tz) return { micros, offsetMinutes: null, zone: null };
    if (tz === 'Z') return { micros, offsetMinutes: 0, zone: 'Z' };
    const sign = g['tzsign'] === '-' ? -1 : 1;
    const offsetMinutes = sign * (Number(g['tzhour']) * 60 + Number(g['tzmin'] ?? 0));
    return { micros, offsetMinutes, zone: tz };
  }
  throw new Iso8601Error(`Unrecognised ISO 8601 time format: ${JSON.stringify(text)}`);
}

/** `<date>T<time>`: exactly one 'T' (wmsparse's parse_datetime). */
export function parseIsoDateTime(text: string): IsoDateTime {
  const parts = text.split('T');
  if (parts.length !== 2) {
    throw new Iso8601Error(`ISO 8601 time designator 'T' missing. Unable to parse datetime string ${JSON.stringify(text)}`);
  }
  const days = parseIsoDate(parts[0]!);
  const time = parseIsoTime(parts[1]!);
  return { wallMicros: days * MICROS_PER_DAY + time.micros, offsetMinutes: time.offsetMinutes, zone: time.zone };
}

const two = (n: number) => String(n).padStart(2, '0');

/** Python's isoformat() with '+00:00' written as 'Z' (what MapProxy lists in capabilities). */
export function formatIsoDateTime(t: IsoDateTime): string {
  const days = Math.floor(t.wallMicros / MICROS_PER_DAY);
  let rest = t.wallMicros - days * MICROS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(rest / 3_600_000_000);
  rest -= hour * 3_600_000_000;
  const minute = Math.floor(rest / 60_000_000);
  rest -= minute * 60_000_000;
  const second = Math.floor(rest / 1_000_000);
  const micro = rest - second * 1_000_000;
  let out = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
  if (micro) out += `.${String(micro).padStart(6, '0')}`;
  if (t.offsetMinutes !== null) {
    const off = t.offsetMinutes;
    const abs = Math.abs(off);
    const text = `${off < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
    out += text === '+00:00' ? 'Z' : text;
  }
  return out;
}

/** The instant in UTC microseconds, for comparisons (a naive time compares as its wall clock). */
export function instantMicros(t: IsoDateTime): number {
  return t.wallMicros - (t.offsetMinutes ?? 0) * 60_000_000;
}

export { MICROS_PER_DAY };
