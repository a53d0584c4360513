import { createHash, randomUUID } from 'node:crypto';
import type { MenuItem } from '../menu/menu.ts';
import type { Order } from '../orders/order.ts';
import type { OrderView, PlaceOrder } from '../orders/ordering.ts';
import { PricingError, priceLines } from '../orders/pricing.ts';
import { isWithinHours, nextOccurrence, type Occurrence } from './recurrence.ts';
import {
  ONE_OFF_RUN,
  ScheduleInvalidError,
  ScheduleNotFoundError,
  validateTiming,
  type Schedule,
  type ScheduleRequest,
  type ScheduleRun,
} from './schedule.ts';
import type { ScheduleRepository } from './schedule-repository.ts';

/** Where schedules' workflows run; Temporal in the service. */
export interface ScheduleWorkflows {
  /** Tells the schedule's workflow to look again, starting it if it is missing. */
  changed(scheduleId: string): Promise<void>;
}

/** What the workflow does next: wait for `placeAt`, then place run `key`; or wait for a change; or end. */
export type RunPlan =
  | { kind: 'due'; key: string; dueAt: number; placeAt: number }
  | { kind: 'paused' }
  | { kind: 'ended' };

export interface SchedulingPolicy {
  /**
   * A run placed late (its moment passed while the order service was down) is still placed up
   * to this long after the drink was wanted; later than that it is recorded as skipped.
   */
  lateGraceMs: number;
  /** A one-off wanted sooner than this is placed at once. */
  immediateWithinMs: number;
  /** Daily opening hours "HH:MM-HH:MM" in `cafeTimeZone`; none means always open. */
  openingHours: string | undefined;
  cafeTimeZone: string;
}

export class ScheduleConflictError extends Error {
  override name = 'ScheduleConflictError';
}

/** A version-8 (custom) UUID with the RFC 9562 variant, derived from `name`: the same name, the same id. */
function derivedUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The order a run places has an id derived from its idempotency key: placing twice finds the first. */
export function runOrderId(scheduleId: string, runKey: string): string {
  return derivedUuid(`schedule-run:${scheduleId}:${runKey}`);
}

/** The reasons a placed order's cancellation means its run failed: payment refused. */
const paymentRefusals: [RegExp, string][] = [
  [/^not charged: (.*)$/s, 'not enough tab'],
  [/^not paid with points: (.*)$/s, 'not enough points'],
];

export function runFailureOf(cancelReason: string | undefined): string | undefined {
  for (const [pattern, reason] of paymentRefusals) {
    const match = pattern.exec(cancelReason ?? '');
    if (match) return `${reason}: ${match[1] ?? ''}`;
  }
  return undefined;
}

export interface SchedulingDeps {
  menu: () => Promise<MenuItem[]>;
  place: (request: PlaceOrder) => Promise<OrderView>;
  /** How long an order placed now should take to be ready, at the barista's current pace. */
  readyInMs: () => Promise<number>;
  findOrder: (orderId: string) => Promise<Order | undefined>;
  workflows: ScheduleWorkflows;
  policy: SchedulingPolicy;
  now: () => Date;
}

/**
 * The use cases of scheduled orders. A schedule's workflow asks `plan` what comes next and
 * calls `placeRun` when it is time; the customer's changes are written here and then signalled
 * to the workflow, which plans again.
 */
export class Scheduling {
  readonly #schedules: ScheduleRepository;
  readonly #deps: SchedulingDeps;

  constructor(schedules: ScheduleRepository, deps: SchedulingDeps) {
    this.#schedules = schedules;
    this.#deps = deps;
  }

  async create(request: ScheduleRequest): Promise<{ schedule: Schedule; placed?: ScheduleRun }> {
    const now = this.#deps.now();
    const timing = validateTiming(request, now);
    await this.#checkLines(request.lines);
    // With the client's key the id is derived from it, so a retry finds what the first made.
    const id = request.idempotencyKey
      ? derivedUuid(`schedule:${request.customerId}:${request.idempotencyKey}`)
      : randomUUID();
    const schedule = await this.#schedules.insert({
      id,
      customerId: request.customerId,
      customerName: request.customerName,
      lines: request.lines,
      redeemFreeDrink: request.redeemFreeDrink,
      timeZone: request.timeZone,
      at: timing.at,
      time: timing.time,
      days: timing.days,
    });
    if (!schedule) return this.#madeEarlier(id, request.customerId);
    if (timing.at && timing.at.getTime() - now.getTime() < this.#deps.policy.immediateWithinMs) {
      const placed = await this.placeRun(schedule.id, ONE_OFF_RUN, timing.at.getTime());
      return { schedule: await this.#get(schedule.id), ...(placed ? { placed } : {}) };
    }
    await this.plan(schedule.id);
    try {
      await this.#deps.workflows.changed(schedule.id);
    } catch (error) {
      // A schedule nothing runs must not be listed as if it would.
      await this.#schedules.delete(schedule.id);
      throw error;
    }
    return { schedule: await this.#get(schedule.id) };
  }

  async list(customerId: string): Promise<Schedule[]> {
    return this.#schedules.list(customerId);
  }

  async pause(id: string, customerId: string): Promise<Schedule> {
    await this.#owned(id, customerId);
    await this.#schedules.setPaused(id, true);
    await this.#deps.workflows.changed(id);
    return this.#get(id);
  }

  async resume(id: string, customerId: string): Promise<Schedule> {
    await this.#owned(id, customerId);
    await this.#schedules.setPaused(id, false);
    await this.plan(id);
    await this.#deps.workflows.changed(id);
    return this.#get(id);
  }

  /** Records the next run as skipped by the customer; the one after it becomes the next. */
  async skipNext(id: string, customerId: string): Promise<Schedule> {
    const schedule = await this.#owned(id, customerId);
    if (schedule.paused) throw new ScheduleConflictError('the schedule is paused; resume it first');
    const next = schedule.nextRun;
    if (!next) throw new ScheduleConflictError('the schedule has no next run to skip');
    const { run, recorded } = await this.#schedules.recordRun(id, {
      key: next.key,
      dueAt: next.dueAt,
      outcome: 'skipped',
      reason: 'skipped by the customer',
      orderId: undefined,
    });
    if (!recorded && run.outcome !== 'skipped')
      throw new ScheduleConflictError(`the next run was already ${run.outcome}`);
    await this.plan(id);
    await this.#deps.workflows.changed(id);
    return this.#get(id);
  }

  async delete(id: string, customerId: string): Promise<void> {
    await this.#owned(id, customerId);
    await this.#schedules.delete(id);
    // The workflow finds the schedule gone and ends.
    await this.#deps.workflows.changed(id);
  }

  async runs(id: string, customerId: string, limit: number): Promise<ScheduleRun[]> {
    await this.#owned(id, customerId);
    return this.#schedules.runs(id, limit);
  }

  /** Active schedules' runs due within `withinMs`, soonest first: what the barista can expect. */
  async upcoming(withinMs: number): Promise<Schedule[]> {
    return this.#schedules.upcoming(new Date(this.#deps.now().getTime() + withinMs));
  }

  /**
   * Decides the schedule's next run and when to place it, and stores both for listing. A run
   * planned earlier and still unrecorded is kept (the workflow was away, such as while the
   * service was down) unless it is past the grace, when it is recorded as missed.
   */
  async plan(id: string): Promise<RunPlan> {
    const schedule = await this.#schedules.find(id);
    if (!schedule) return { kind: 'ended' };
    // Pausing already forgot the planned run (setPaused).
    if (schedule.paused) return { kind: 'paused' };
    const now = this.#deps.now();
    const next = await this.#nextUnrecorded(schedule, now);
    if (!next) {
      await this.#schedules.setNextRun(id, undefined);
      return { kind: 'ended' };
    }
    const placeAt = new Date(next.dueAt.getTime() - (await this.#deps.readyInMs()));
    await this.#schedules.setNextRun(id, { ...next, placeAt });
    return { kind: 'due', key: next.key, dueAt: next.dueAt.getTime(), placeAt: placeAt.getTime() };
  }

  /**
   * Places run `key` of the schedule, at most once: the run's order id comes from its key and
   * its outcome is recorded once. Returns the run's outcome, or nothing when the schedule is
   * gone or paused (the workflow plans again).
   */
  async placeRun(id: string, key: string, dueAtMs: number): Promise<ScheduleRun | undefined> {
    const schedule = await this.#schedules.find(id);
    if (!schedule || schedule.paused) return undefined;
    const existing = await this.#schedules.findRun(id, key);
    if (existing) return existing;
    const dueAt = new Date(dueAtMs);
    const record = async (run: Pick<ScheduleRun, 'outcome' | 'reason' | 'orderId'>) =>
      (await this.#schedules.recordRun(id, { key, dueAt, ...run })).run;

    const { policy } = this.#deps;
    if (this.#deps.now().getTime() > dueAtMs + policy.lateGraceMs)
      return record({ outcome: 'skipped', reason: missedReason, orderId: undefined });
    if (policy.openingHours && !isWithinHours(dueAt, policy.openingHours, policy.cafeTimeZone)) {
      return record({
        outcome: 'failed',
        reason: `café closed: open ${policy.openingHours} (${policy.cafeTimeZone})`,
        orderId: undefined,
      });
    }
    let order: OrderView;
    try {
      order = await this.#deps.place({
        orderId: runOrderId(id, key),
        customerId: schedule.customerId,
        customerName: schedule.customerName,
        lines: schedule.lines,
        redeemFreeDrink: schedule.redeemFreeDrink,
        scheduleId: id,
      });
    } catch (error) {
      if (!(error instanceof PricingError)) throw error;
      return record({
        outcome: 'failed',
        reason: `item unavailable: ${error.message.replace(/^[^:]+: /, '')}`,
        orderId: undefined,
      });
    }
    const run = await record({ outcome: 'placed', reason: undefined, orderId: order.id });
    // Payment is taken by the order's workflow and may already have been refused.
    await this.orderCancelled(order.id, (await this.#deps.findOrder(order.id))?.statusReason);
    return (await this.#schedules.findRun(id, key)) ?? run;
  }

  /** An order cancelled because payment was refused fails the run that placed it. */
  async orderCancelled(orderId: string, reason: string | undefined): Promise<void> {
    const failure = runFailureOf(reason);
    if (failure) await this.#schedules.failPlacedRun(orderId, failure);
  }

  async #nextUnrecorded(schedule: Schedule, now: Date): Promise<Occurrence | undefined> {
    const recorded = async (key: string) =>
      (await this.#schedules.findRun(schedule.id, key)) !== undefined;
    if (schedule.at)
      return (await recorded(ONE_OFF_RUN)) ? undefined : { key: ONE_OFF_RUN, dueAt: schedule.at };
    const planned = schedule.nextRun;
    if (planned && !(await recorded(planned.key))) {
      if (planned.dueAt.getTime() > now.getTime() - this.#deps.policy.lateGraceMs) return planned;
      await this.#schedules.recordRun(schedule.id, {
        key: planned.key,
        dueAt: planned.dueAt,
        outcome: 'skipped',
        reason: missedReason,
        orderId: undefined,
      });
    }
    if (!schedule.time || !schedule.days) return undefined;
    const recurrence = { timeZone: schedule.timeZone, time: schedule.time, days: schedule.days };
    let after = now;
    // Skipped runs ahead are recorded; a year of them at most is looked through.
    for (let looked = 0; looked < 400; looked++) {
      const next = nextOccurrence(recurrence, after);
      if (!next) return undefined;
      if (!(await recorded(next.key))) return next;
      after = next.dueAt;
    }
    return undefined;
  }

  async #checkLines(lines: ScheduleRequest['lines']): Promise<void> {
    // Unknown items and bad options are refused now; an item unavailable today may be back by
    // the time the schedule runs, so availability is checked at each run.
    const menu = (await this.#deps.menu()).map((item) => ({ ...item, available: true }));
    try {
      priceLines(lines, menu);
    } catch (error) {
      if (error instanceof PricingError)
        throw new ScheduleInvalidError(error.field, error.message.replace(/^[^:]+: /, ''));
      throw error;
    }
  }

  /** The answer to a retry: the schedule its key made, and the order a one-off placed at once. */
  async #madeEarlier(
    id: string,
    customerId: string,
  ): Promise<{ schedule: Schedule; placed?: ScheduleRun }> {
    const schedule = await this.#owned(id, customerId);
    const placed = schedule.at ? await this.#schedules.findRun(id, ONE_OFF_RUN) : undefined;
    return { schedule, ...(placed?.outcome === 'placed' ? { placed } : {}) };
  }

  async #owned(id: string, customerId: string): Promise<Schedule> {
    const schedule = await this.#schedules.find(id);
    // Another customer's schedule is not confirmed to exist.
    if (schedule?.customerId !== customerId)
      throw new ScheduleNotFoundError(`no schedule has id ${id}`);
    return schedule;
  }

  async #get(id: string): Promise<Schedule> {
    const schedule = await this.#schedules.find(id);
    if (!schedule) throw new ScheduleNotFoundError(`no schedule has id ${id}`);
    return schedule;
  }
}

const missedReason = 'missed: the order service was down when it was due';
