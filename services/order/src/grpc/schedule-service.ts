import type { scheduleV1 } from '@everything/contracts';
import { GrpcError, Status, guardedHandlers, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import type { MenuCatalog } from '../menu/menu-catalog.ts';
import { MAX_LINES } from '../orders/pricing.ts';
import {
  ScheduleInvalidError,
  ScheduleNotFoundError,
  TooManySchedulesError,
  type Schedule,
  type ScheduleRun,
} from '../schedules/schedule.ts';
import { ScheduleConflictError, type Scheduling } from '../schedules/scheduling.ts';
import { classifyOrderError } from './order-service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function requireUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new GrpcError(Status.INVALID_ARGUMENT, `${field}: must be a UUID`);
  return value;
}

/** The upcoming window the barista may ask for: up to a day. */
const MAX_UPCOMING_MINUTES = 24 * 60;

export function classifyScheduleError(error: unknown): GrpcError | undefined {
  if (error instanceof ScheduleInvalidError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message);
  if (error instanceof ScheduleNotFoundError) return new GrpcError(Status.NOT_FOUND, error.message);
  if (error instanceof TooManySchedulesError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  if (error instanceof ScheduleConflictError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  return classifyOrderError(error);
}

function toWire(schedule: Schedule): scheduleV1.Schedule {
  return {
    id: schedule.id,
    customerId: schedule.customerId,
    customerName: schedule.customerName,
    lines: schedule.lines,
    redeemFreeDrink: schedule.redeemFreeDrink,
    timeZone: schedule.timeZone,
    at: schedule.at,
    time: schedule.time ?? '',
    days: schedule.days ?? [],
    paused: schedule.paused,
    nextRunAt: schedule.nextRun?.dueAt,
    nextPlaceAt: schedule.nextRun?.placeAt,
    createdAt: schedule.createdAt,
  };
}

const runToWire = (run: ScheduleRun): scheduleV1.ScheduleRun => ({
  key: run.key,
  dueAt: run.dueAt,
  outcome: run.outcome,
  reason: run.reason ?? '',
  orderId: run.orderId ?? '',
  recordedAt: run.recordedAt,
});

/** Translates the ScheduleService contract to the scheduling use cases. */
export function scheduleService(
  scheduling: Scheduling,
  catalog: MenuCatalog,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): scheduleV1.ScheduleServiceServer {
  const handle = guardedHandlers(logger, guard, [classifyScheduleError, classify]);
  const owned = (request: { scheduleId: string; customerId: string }) =>
    [
      requireUuid('scheduleId', request.scheduleId),
      requireUuid('customerId', request.customerId),
    ] as const;

  return {
    createSchedule: handle(async (request: scheduleV1.CreateScheduleRequest) => {
      const customerName = request.customerName.trim();
      if (!customerName)
        throw new GrpcError(Status.INVALID_ARGUMENT, 'customerName: must not be empty');
      if (request.lines.length > MAX_LINES)
        throw new GrpcError(Status.INVALID_ARGUMENT, `items: must have at most ${MAX_LINES} lines`);
      const { schedule, placed } = await scheduling.create({
        customerId: requireUuid('customerId', request.customerId),
        customerName: customerName.slice(0, 80),
        lines: request.lines.map((line, index) => ({
          menuItemId: requireUuid(`items[${index}].menuItemId`, line.menuItemId),
          quantity: line.quantity,
          optionIds: line.optionIds,
        })),
        redeemFreeDrink: request.redeemFreeDrink,
        timeZone: request.timeZone,
        at: request.at,
        time: request.time || undefined,
        days: request.days,
        idempotencyKey: request.idempotencyKey || undefined,
      });
      return { schedule: toWire(schedule), placedOrderId: placed?.orderId ?? '' };
    }),
    listSchedules: handle(async (request: scheduleV1.ListSchedulesRequest) => ({
      schedules: (await scheduling.list(requireUuid('customerId', request.customerId))).map(toWire),
    })),
    deleteSchedule: handle(async (request: scheduleV1.DeleteScheduleRequest) => {
      await scheduling.delete(...owned(request));
      return {};
    }),
    pauseSchedule: handle(async (request: scheduleV1.PauseScheduleRequest) => ({
      schedule: toWire(await scheduling.pause(...owned(request))),
    })),
    resumeSchedule: handle(async (request: scheduleV1.ResumeScheduleRequest) => ({
      schedule: toWire(await scheduling.resume(...owned(request))),
    })),
    skipNextRun: handle(async (request: scheduleV1.SkipNextRunRequest) => ({
      schedule: toWire(await scheduling.skipNext(...owned(request))),
    })),
    listScheduleRuns: handle(async (request: scheduleV1.ListScheduleRunsRequest) => ({
      runs: (
        await scheduling.runs(...owned(request), Math.min(Math.max(request.limit || 50, 1), 200))
      ).map(runToWire),
    })),
    listUpcomingRuns: handle(async (request: scheduleV1.ListUpcomingRunsRequest) => {
      const minutes = Math.min(Math.max(request.withinMinutes || 60, 1), MAX_UPCOMING_MINUTES);
      const [schedules, menu] = await Promise.all([
        scheduling.upcoming(minutes * 60_000),
        catalog.list(),
      ]);
      const names = new Map(menu.items.map((item) => [item.id, item.name]));
      return {
        runs: schedules.flatMap((schedule) =>
          schedule.nextRun
            ? [
                {
                  scheduleId: schedule.id,
                  customerName: schedule.customerName,
                  lines: schedule.lines.map((line) => ({
                    menuItemId: line.menuItemId,
                    name: names.get(line.menuItemId) ?? 'an item no longer on the menu',
                    quantity: line.quantity,
                  })),
                  dueAt: schedule.nextRun.dueAt,
                  placeAt: schedule.nextRun.placeAt,
                },
              ]
            : [],
        ),
      };
    }),
  };
}
