// Scheduled orders in the order service, against the real Postgres, Temporal and customer
// service: what a schedule plans, that each run is placed once, and what happens to a run that
// is late, refused or unwanted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { OrderRepository } from '../orders/order-repository.ts';
import { orderTestDeps } from '../testing.ts';
import {
  MAX_LIVE_SCHEDULES,
  ScheduleInvalidError,
  ScheduleNotFoundError,
  TooManySchedulesError,
  type ScheduleRun,
} from './schedule.ts';
import { ScheduleRepository } from './schedule-repository.ts';
import { Scheduling } from './scheduling.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let app: OrderApp;
let latte: string;
let espresso: string;
let customer: string;

const MINUTE = 60_000;
/** The barista's pace without any history: three minutes a drink. */
const DEFAULT_PACE_MS = 3 * MINUTE;

before(async () => {
  deps = await orderTestDeps();
  app = await createApp(deps);
  await app.start('127.0.0.1', 0);
  const { rows } = await deps.pool.query<{ id: string; slug: string }>(
    "SELECT id, slug FROM menu_items WHERE slug IN ('latte', 'espresso')",
  );
  latte = rows.find((row) => row.slug === 'latte')?.id ?? '';
  espresso = rows.find((row) => row.slug === 'espresso')?.id ?? '';
  customer = await deps.registerCustomer('Grace');
});
after(async () => {
  await teardownStep('order app', () => app.close(2_000));
  await deps.close();
});

const oneLatte = () => [{ menuItemId: latte, quantity: 1, optionIds: [] }];
const localTime = (instant: Date, timeZone: string) =>
  instant.toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });
const schedule = (fields: {
  at?: Date;
  time?: string;
  days?: string[];
  timeZone?: string;
  lines?: ReturnType<typeof oneLatte>;
  customerId?: string;
}) =>
  app.scheduling.create({
    customerId: fields.customerId ?? customer,
    customerName: 'Grace',
    lines: fields.lines ?? oneLatte(),
    redeemFreeDrink: false,
    timeZone: fields.timeZone ?? 'Asia/Tokyo',
    at: fields.at,
    time: fields.time,
    days: fields.days ?? [],
  });
/** A repeating schedule whose next run is hours away, every day, in Tokyo. */
const everyDayInSixHours = () =>
  schedule({
    time: localTime(new Date(Date.now() + 6 * 3_600_000), 'Asia/Tokyo'),
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  });
const ordersOf = async (scheduleId: string) =>
  (
    await deps.pool.query<{ id: string; status: string; status_reason: string | null }>(
      'SELECT id, status, status_reason FROM orders WHERE schedule_id = $1',
      [scheduleId],
    )
  ).rows;
const runsOf = (scheduleId: string) => app.scheduling.runs(scheduleId, customer, 50);
const runOutcome = async (scheduleId: string): Promise<ScheduleRun | undefined> =>
  (await runsOf(scheduleId))[0];

describe('planning', () => {
  test('a repeating schedule’s next run is at its local time, placed one pace early on an empty queue', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const next = created.nextRun;
    assert.ok(next);
    assert.equal(localTime(next.dueAt, 'Asia/Tokyo'), created.time);
    assert.ok(next.dueAt.getTime() > Date.now() + 5 * 3_600_000);
    assert.equal(next.dueAt.getTime() - next.placeAt.getTime(), DEFAULT_PACE_MS);
    await app.scheduling.delete(created.id, customer);
  });

  test('the busier the barista, the earlier the run is placed', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const queued = [randomUUID(), randomUUID()];
    for (const orderId of queued) {
      await app.ordering.place({
        orderId,
        customerId: customer,
        customerName: 'Grace',
        lines: [{ menuItemId: espresso, quantity: 1, optionIds: [] }],
        redeemFreeDrink: false,
      });
    }
    const plan = await app.scheduling.plan(created.id);
    assert.equal(plan.kind, 'due');
    // Two open orders ahead and its own: three intervals of the pace.
    assert.equal(plan.dueAt - plan.placeAt, 3 * DEFAULT_PACE_MS);
    for (const orderId of queued) await app.ordering.act(orderId, 'cancel', { actorId: customer });
    await app.scheduling.delete(created.id, customer);
  });

  test('a request that makes no schedule names its field', async () => {
    const refused = async (fields: Parameters<typeof schedule>[0], field: string) => {
      await assert.rejects(schedule(fields), (error: unknown) => {
        assert.ok(error instanceof ScheduleInvalidError, String(error));
        assert.equal(error.field, field);
        return true;
      });
    };
    await refused({ time: '07:30', days: ['mon'], timeZone: 'Mars/Olympus' }, 'timeZone');
    await refused({ time: '07:30', days: [] }, 'days');
    await refused({ time: '7:30', days: ['mon'] }, 'time');
    await refused({ time: '07:30', days: ['someday'] }, 'days');
    await refused({ at: new Date(Date.now() + 3_600_000), time: '07:30', days: ['mon'] }, 'at');
    await refused({ at: new Date(Date.now() - 10 * MINUTE) }, 'at');
    await refused(
      {
        time: '07:30',
        days: ['mon'],
        lines: [{ menuItemId: randomUUID(), quantity: 1, optionIds: [] }],
      },
      'items[0].menuItemId',
    );
  });
});

describe('placing runs', () => {
  test('a one-off less than a minute away is placed at once, and the order names its schedule', async () => {
    const { schedule: created, placed } = await schedule({ at: new Date(Date.now() + 30_000) });
    assert.equal(placed?.outcome, 'placed');
    assert.ok(placed.orderId);
    const order = await app.ordering.get(placed.orderId);
    assert.equal(order.scheduleId, created.id);
    assert.equal(created.nextRun, undefined);
  });

  test('a one-off within the barista’s lead is placed early by its workflow, once', async () => {
    // Ready in two minutes, but a drink takes three: the workflow places it right away.
    const { schedule: created, placed } = await schedule({ at: new Date(Date.now() + 2 * MINUTE) });
    assert.equal(placed, undefined);
    await eventually(
      'the run is placed',
      async () => (await runOutcome(created.id))?.outcome === 'placed',
    );
    const orders = await ordersOf(created.id);
    assert.equal(orders.length, 1);
    assert.equal((await runOutcome(created.id))?.orderId, orders[0]?.id);
  });

  test('placing the same run again places nothing more: the run key is its idempotency key', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const next = created.nextRun;
    assert.ok(next);
    const [first, second] = await Promise.all([
      app.scheduling.placeRun(created.id, next.key, next.dueAt.getTime()),
      app.scheduling.placeRun(created.id, next.key, next.dueAt.getTime()),
    ]);
    const third = await app.scheduling.placeRun(created.id, next.key, next.dueAt.getTime());
    assert.equal(first?.orderId, second?.orderId);
    assert.equal(first?.orderId, third?.orderId);
    assert.equal((await ordersOf(created.id)).length, 1);
    assert.equal((await runsOf(created.id)).length, 1);
    await app.scheduling.delete(created.id, customer);
  });

  test('a run that fell due while the order service was down is placed late when it comes back, once', async () => {
    const { schedule: created } = await schedule({
      at: new Date(Date.now() + DEFAULT_PACE_MS + 6_000),
    });
    const placeAt = created.nextRun?.placeAt;
    assert.ok(placeAt);
    await app.close(2_000);
    // The moment to place it passes with no worker running.
    await sleep(Math.max(placeAt.getTime() - Date.now(), 0) + 4_000);
    assert.deepEqual(await runsOf(created.id), []);
    app = await createApp(deps);
    await app.start('127.0.0.1', 0);
    // The new worker bundles its workflows before it polls: tens of seconds on a loaded machine.
    await eventually(
      'the late run is placed',
      async () => (await runOutcome(created.id))?.outcome === 'placed',
      60_000,
    );
    const run = await runOutcome(created.id);
    assert.ok(run && run.recordedAt.getTime() > placeAt.getTime() + 3_000);
    assert.equal((await ordersOf(created.id)).length, 1);
  });

  test('a run later than the grace is recorded as skipped, not placed', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const run = await app.scheduling.placeRun(created.id, '2020-01-01', Date.now() - 20 * MINUTE);
    assert.equal(run?.outcome, 'skipped');
    assert.match(run.reason ?? '', /^missed: /);
    assert.deepEqual(await ordersOf(created.id), []);
    await app.scheduling.delete(created.id, customer);
  });

  test('a planned run found past the grace is recorded as missed and the next one planned', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const long = new Date(Date.now() - 2 * 3_600_000);
    await deps.pool.query(
      "UPDATE schedules SET next_run_key = '2020-01-01', next_run_at = $2, next_place_at = $2 WHERE id = $1",
      [created.id, long],
    );
    const plan = await app.scheduling.plan(created.id);
    assert.ok(plan.kind === 'due' && plan.dueAt > Date.now());
    const [missed] = await runsOf(created.id);
    assert.equal(missed?.key, '2020-01-01');
    assert.equal(missed.outcome, 'skipped');
    assert.match(missed.reason ?? '', /^missed: /);
    await app.scheduling.delete(created.id, customer);
  });
});

describe('runs that fail, with the reason', () => {
  test('item unavailable', async () => {
    const { schedule: created } = await everyDayInSixHours();
    await deps.pool.query("UPDATE menu_items SET available = false WHERE slug = 'latte'");
    await app.catalog.invalidate();
    try {
      const next = created.nextRun;
      assert.ok(next);
      const run = await app.scheduling.placeRun(created.id, next.key, next.dueAt.getTime());
      assert.equal(run?.outcome, 'failed');
      assert.match(run.reason ?? '', /^item unavailable: Caffè latte/);
      assert.deepEqual(await ordersOf(created.id), []);
    } finally {
      await deps.pool.query("UPDATE menu_items SET available = true WHERE slug = 'latte'");
      await app.catalog.invalidate();
      await app.scheduling.delete(created.id, customer);
    }
  });

  test('not enough tab: the order is refused payment and the run fails', async () => {
    // Twenty lattes are 80.00, over the test tab limit of 50.00.
    const { schedule: created } = await schedule({
      at: new Date(Date.now() + 10_000),
      lines: [{ menuItemId: latte, quantity: 20, optionIds: [] }],
    });
    await eventually(
      'the run fails',
      async () => (await runOutcome(created.id))?.outcome === 'failed',
    );
    const run = await runOutcome(created.id);
    assert.match(run?.reason ?? '', /^not enough tab: /);
    assert.equal((await ordersOf(created.id))[0]?.status, 'cancelled');
  });

  test('café closed', async () => {
    const closedAllDay = new Scheduling(new ScheduleRepository(deps.pool), {
      menu: async () => (await app.catalog.list()).items,
      place: (request) => app.ordering.place(request),
      readyInMs: () => new OrderRepository(deps.pool).readyInForNewOrder(),
      findOrder: (id) => new OrderRepository(deps.pool).find(id),
      workflows: { changed: () => Promise.resolve() },
      policy: {
        lateGraceMs: 15 * MINUTE,
        immediateWithinMs: MINUTE,
        openingHours: '00:00-00:00',
        cafeTimeZone: 'Europe/Berlin',
      },
      now: () => new Date(),
    });
    const { placed } = await closedAllDay.create({
      customerId: customer,
      customerName: 'Grace',
      lines: oneLatte(),
      redeemFreeDrink: false,
      timeZone: 'Europe/Berlin',
      at: new Date(Date.now() + 10_000),
      time: undefined,
      days: [],
    });
    assert.equal(placed?.outcome, 'failed');
    assert.match(placed.reason ?? '', /^café closed/);
    assert.equal(placed.orderId, undefined);
  });
});

describe('managing a schedule', () => {
  test('a customer has at most MAX_LIVE_SCHEDULES still to run, even when asked for more at once', async () => {
    const ada = randomUUID();
    const asked = await Promise.allSettled(
      Array.from({ length: MAX_LIVE_SCHEDULES + 3 }, () =>
        schedule({
          customerId: ada,
          time: localTime(new Date(Date.now() + 6 * 3_600_000), 'Asia/Tokyo'),
          days: ['mon'],
        }),
      ),
    );
    const made = asked.flatMap((answer) =>
      answer.status === 'fulfilled' ? [answer.value.schedule.id] : [],
    );
    assert.equal(made.length, MAX_LIVE_SCHEDULES);
    for (const answer of asked)
      if (answer.status === 'rejected') assert.ok(answer.reason instanceof TooManySchedulesError);
    assert.equal((await app.scheduling.list(ada)).length, MAX_LIVE_SCHEDULES);
    // Deleting one makes room for one.
    await app.scheduling.delete(made[0] ?? '', ada);
    const another = await schedule({ customerId: ada, at: new Date(Date.now() + 3_600_000) });
    for (const id of [...made.slice(1), another.schedule.id]) await app.scheduling.delete(id, ada);
  });

  test('pause forgets the next run; resume plans it again', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const paused = await app.scheduling.pause(created.id, customer);
    assert.equal(paused.paused, true);
    assert.equal(paused.nextRun, undefined);
    assert.deepEqual(await app.scheduling.plan(created.id), { kind: 'paused' });
    const resumed = await app.scheduling.resume(created.id, customer);
    assert.equal(resumed.paused, false);
    assert.deepEqual(resumed.nextRun?.key, created.nextRun?.key);
    await app.scheduling.delete(created.id, customer);
  });

  test('a plan that read the schedule before a pause does not give it a next run after it', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const planned = created.nextRun;
    assert.ok(planned, 'planned when made');
    await app.scheduling.pause(created.id, customer);
    // The schedule workflow's plan, begun before the pause, stores what it decided after it.
    await new ScheduleRepository(deps.pool).setNextRun(created.id, planned);
    const listed = (await app.scheduling.list(customer)).find(({ id }) => id === created.id);
    assert.equal(listed?.paused, true);
    assert.equal(listed.nextRun, undefined);
    await app.scheduling.delete(created.id, customer);
  });

  test('skip-next records the run as skipped and moves on to the following day', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const skipped = await app.scheduling.skipNext(created.id, customer);
    assert.ok(created.nextRun && skipped.nextRun);
    assert.equal(
      skipped.nextRun.dueAt.getTime() - created.nextRun.dueAt.getTime(),
      24 * 3_600_000, // Tokyo has no daylight saving
    );
    const [run] = await runsOf(created.id);
    assert.equal(run?.key, created.nextRun.key);
    assert.equal(run.outcome, 'skipped');
    assert.equal(run.reason, 'skipped by the customer');
    // The workflow, told of the change, places nothing for the skipped run.
    assert.equal(
      (await app.scheduling.placeRun(created.id, run.key, run.dueAt.getTime()))?.outcome,
      'skipped',
    );
    assert.deepEqual(await ordersOf(created.id), []);
    await app.scheduling.delete(created.id, customer);
  });

  test('delete removes it from the list and ends its workflow’s plans; others cannot touch it', async () => {
    const { schedule: created } = await everyDayInSixHours();
    const stranger = await deps.registerCustomer('Eve');
    await assert.rejects(app.scheduling.pause(created.id, stranger), ScheduleNotFoundError);
    await assert.rejects(app.scheduling.runs(created.id, stranger, 10), ScheduleNotFoundError);
    assert.ok((await app.scheduling.list(customer)).some((found) => found.id === created.id));
    await app.scheduling.delete(created.id, customer);
    assert.ok(!(await app.scheduling.list(customer)).some((found) => found.id === created.id));
    assert.deepEqual(await app.scheduling.plan(created.id), { kind: 'ended' });
  });

  test('the barista sees runs due within the window, soonest first', async () => {
    const soon = await schedule({ at: new Date(Date.now() + 30 * MINUTE) });
    const later = await everyDayInSixHours();
    const withinHour = (await app.scheduling.upcoming(60 * MINUTE)).map((found) => found.id);
    assert.ok(withinHour.includes(soon.schedule.id));
    assert.ok(!withinHour.includes(later.schedule.id));
    await app.scheduling.delete(soon.schedule.id, customer);
    await app.scheduling.delete(later.schedule.id, customer);
  });
});
