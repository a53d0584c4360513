import type { LineRequest } from '../orders/pricing.ts';
import { isTimeZone, TIME_OF_DAY, weekdays, type Weekday } from './recurrence.ts';

/** A customer's standing order: a one-off (`at`) or repeating (`time` on `days`). */
export interface Schedule {
  id: string;
  customerId: string;
  customerName: string;
  lines: LineRequest[];
  redeemFreeDrink: boolean;
  timeZone: string;
  at: Date | undefined;
  time: string | undefined;
  days: Weekday[] | undefined;
  paused: boolean;
  /** The run the schedule waits for and when it will place its order; none when nothing is left. */
  nextRun: { key: string; dueAt: Date; placeAt: Date } | undefined;
  createdAt: Date;
}

export type RunOutcome = 'placed' | 'skipped' | 'failed';

/** What happened to one run; `key` is its idempotency key within the schedule. */
export interface ScheduleRun {
  key: string;
  dueAt: Date;
  outcome: RunOutcome;
  reason: string | undefined;
  orderId: string | undefined;
  recordedAt: Date;
}

export interface ScheduleRequest {
  customerId: string;
  customerName: string;
  lines: LineRequest[];
  redeemFreeDrink: boolean;
  timeZone: string;
  at: Date | undefined;
  time: string | undefined;
  days: string[];
  /** A digest of the client's Idempotency-Key: the same key makes one schedule. */
  idempotencyKey?: string | undefined;
}

/** A request that does not make a schedule; `field` names it as the API's client sent it. */
export class ScheduleInvalidError extends Error {
  override name = 'ScheduleInvalidError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Repeating schedules and one-offs still to come, per customer: each is a workflow waiting. */
export const MAX_LIVE_SCHEDULES = 20;

/** One schedule more than MAX_LIVE_SCHEDULES: the customer must delete one first. */
export class TooManySchedulesError extends Error {
  override name = 'TooManySchedulesError';
}

export class ScheduleNotFoundError extends Error {
  override name = 'ScheduleNotFoundError';
}

/** The run key of a one-off schedule: it runs once. */
export const ONE_OFF_RUN = 'once';

/** A one-off further back than this is a mistake, not "now". */
const PAST_TOLERANCE_MS = 60_000;
/** Schedules reach a year ahead at most. */
const FURTHEST_MS = 366 * 86_400_000;

/** Checks the timing of a request; the lines are checked against the menu by the caller. */
export function validateTiming(
  request: Pick<ScheduleRequest, 'timeZone' | 'at' | 'time' | 'days'>,
  now: Date,
):
  | { at: Date; time?: undefined; days?: undefined }
  | { at?: undefined; time: string; days: Weekday[] } {
  if (!isTimeZone(request.timeZone))
    throw new ScheduleInvalidError('timeZone', 'must be an IANA time zone such as Europe/Berlin');
  if (request.at) {
    if (request.time || request.days.length > 0)
      throw new ScheduleInvalidError('at', 'a one-off takes no time or days');
    if (Number.isNaN(request.at.getTime()))
      throw new ScheduleInvalidError('at', 'must be an ISO 8601 instant');
    if (request.at.getTime() < now.getTime() - PAST_TOLERANCE_MS)
      throw new ScheduleInvalidError('at', 'is in the past');
    if (request.at.getTime() > now.getTime() + FURTHEST_MS)
      throw new ScheduleInvalidError('at', 'is more than a year ahead');
    return { at: request.at };
  }
  if (!request.time)
    throw new ScheduleInvalidError('time', 'is required (HH:MM) unless at is given');
  if (!TIME_OF_DAY.test(request.time))
    throw new ScheduleInvalidError('time', 'must be HH:MM, 00:00 to 23:59');
  if (request.days.length === 0)
    throw new ScheduleInvalidError('days', 'must name at least one day, mon to sun');
  const unknown = request.days.find((day) => !(weekdays as readonly string[]).includes(day));
  if (unknown !== undefined)
    throw new ScheduleInvalidError(
      'days',
      `${unknown} is not one of mon, tue, wed, thu, fri, sat, sun`,
    );
  if (new Set(request.days).size !== request.days.length)
    throw new ScheduleInvalidError('days', 'lists a day twice');
  return { time: request.time, days: weekdays.filter((day) => request.days.includes(day)) };
}
