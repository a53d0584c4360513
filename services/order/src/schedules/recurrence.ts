/**
 * When a schedule's drink is wanted, as instants, from wall-clock times in the customer's IANA
 * time zone. Plain functions over Intl's time-zone data, so they can be tested across
 * daylight-saving changes without a clock.
 */

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/** A repeating schedule: `time` ("HH:MM") on each of `days`, in `timeZone`. */
export interface Recurrence {
  timeZone: string;
  time: string;
  days: readonly Weekday[];
}

/** One time the drink is wanted: `key` names the run (the local date) and makes it unique. */
export interface Occurrence {
  key: string;
  dueAt: Date;
}

export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    // Offsets such as "+01:00" are accepted by Intl but are not places with daylight saving.
    return /^[A-Za-z]/.test(name);
  } catch {
    return false;
  }
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock reading of `instant` in `timeZone`, as if it were UTC (milliseconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** How far `timeZone` is ahead of UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  return wallClock(Math.floor(instant / 1000) * 1000, timeZone) - Math.floor(instant / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instant a wall-clock time happens on a local date. A time that happens twice (clocks
 * go back) is its first happening; a time that never happens (clocks go forward) is moved
 * forward by the gap, as a person would ("07:30" that does not exist is 08:30 new time).
 * Either way one local date gives exactly one instant: no morning is skipped or doubled.
 */
export function instantOf(date: LocalDate, hour: number, minute: number, timeZone: string): Date {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const before = offsetAt(asUtc - DAY_MS, timeZone);
  const after = offsetAt(asUtc + DAY_MS, timeZone);
  const candidates = [asUtc - before, asUtc - after]
    .filter((instant) => wallClock(instant, timeZone) === asUtc)
    .sort((a, b) => a - b);
  return new Date(candidates[0] ?? asUtc - before);
}

/** The local calendar date of `instant` in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const wall = new Date(wallClock(instant.getTime(), timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  };
}

const dateKey = (date: LocalDate) =>
  `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;

const weekdayOf = (date: LocalDate): Weekday =>
  weekdays[
    (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7
  ] as Weekday;

/** The first occurrence strictly after `after`; each local date occurs at most once. */
export function nextOccurrence(recurrence: Recurrence, after: Date): Occurrence | undefined {
  const match = TIME_OF_DAY.exec(recurrence.time);
  if (!match || recurrence.days.length === 0) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  // Starting a day early covers a time zone still on yesterday's date.
  const start = addDays(localDateOf(after, recurrence.timeZone), -1);
  for (let offset = 0; offset <= 8; offset++) {
    const date = addDays(start, offset);
    if (!recurrence.days.includes(weekdayOf(date))) continue;
    const dueAt = instantOf(date, hour, minute, recurrence.timeZone);
    if (dueAt.getTime() > after.getTime()) return { key: dateKey(date), dueAt };
  }
  return undefined;
}

/** Whether `instant` falls within daily opening hours "HH:MM-HH:MM" in `timeZone`. */
export function isWithinHours(instant: Date, hours: string, timeZone: string): boolean {
  const [opens, closes] = hours.split('-').map((time) => {
    const match = TIME_OF_DAY.exec(time);
    return match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  }) as [number, number];
  const wall = new Date(wallClock(instant.getTime(), timeZone));
  const minutes = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  return opens <= closes
    ? minutes >= opens && minutes < closes
    : minutes >= opens || minutes < closes;
}
