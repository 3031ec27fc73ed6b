import { formatIsoDateTime, instantMicros, Iso8601Error, parseIsoDateTime, type IsoDateTime } from './iso8601-datetime.js';
import { addDuration, isZeroDuration, parseIsoDuration, subtractDuration } from './iso8601-duration.js';

/** More values than any capabilities document should list: a typo in an interval must not eat the memory. */
export const MAX_RANGE_VALUES = 100_000;

/**
 * The values of a time dimension written as one ISO 8601 time or interval, as MapProxy's `parse_datetime_range`
 * expands them: `start/end/period`, `start/period`, `period/end` or a single time. Values start at `start` and
 * step by `period` while they are before `end + period`, so the last value may lie after `end` when the period
 * does not divide the interval (MapProxy's own system test lists 15:20 for 11:20/14:20/PT2H). Each value is
 * written in Python's isoformat with 'Z' for UTC.
 */
export function expandDateTimeRange(text: string): string[] {
  const parts = text.trim().split('/');
  if (parts.length === 1) return [formatIsoDateTime(parseIsoDateTime(parts[0]!))];

  let startText: string | undefined;
  let endText: string | undefined;
  let periodText: string | undefined;
  if (parts.length === 2 && parts[1]!.startsWith('P')) [startText, periodText] = parts;
  if (parts.length === 2 && parts[0]!.startsWith('P')) [periodText, endText] = parts;
  if (parts.length === 3 && parts[2]!.startsWith('P')) [startText, endText, periodText] = parts;
  if (periodText === undefined) {
    throw new Iso8601Error(`expected start/end/period, start/period or period/end, got ${JSON.stringify(text)}`);
  }
  const period = parseIsoDuration(periodText);
  if (isZeroDuration(period)) throw new Iso8601Error(`the period of ${JSON.stringify(text)} is zero`);

  let start: IsoDateTime;
  let end: IsoDateTime;
  if (startText !== undefined && endText !== undefined) {
    start = parseIsoDateTime(startText);
    end = parseIsoDateTime(endText);
  } else if (startText !== undefined) {
    start = parseIsoDateTime(startText);
    end = addDuration(start, period);
  } else {
    end = parseIsoDateTime(endText!);
    start = subtractDuration(end, period);
  }
  if ((start.offsetMinutes === null) !== (end.offsetMinutes === null)) {
    // Python refuses to compare a time with a zone to one without
    throw new Iso8601Error(`can't compare offset-naive and offset-aware datetimes in ${JSON.stringify(text)}`);
  }

  const limit = instantMicros(addDuration(end, period));
  const values: string[] = [];
  for (let current = start; instantMicros(current) < limit; current = addDuration(current, period)) {
    if (values.length >= MAX_RANGE_VALUES) {
      throw new Iso8601Error(`${JSON.stringify(text)} has more than ${MAX_RANGE_VALUES} values`);
    }
    values.push(formatIsoDateTime(current));
  }
  return values;
}
