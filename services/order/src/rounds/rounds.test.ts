// Rounds for the table in the order service, against the real Postgres, Temporal, Kafka and
// customer service: starting and joining, one submit placing every member's order, who pays,
// and the edge cases the starter meets.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { orderTestDeps } from '../testing.ts';
import { RoundConflictError, RoundNotFoundError } from './round.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let app: OrderApp;
let latte: string;
let espresso: string;

before(async () => {
  deps = await orderTestDeps();
  app = await createApp(deps);
  await app.start('127.0.0.1', 0);
  const { rows } = await deps.pool.query<{ id: string; slug: string }>(
    "SELECT id, slug FROM menu_items WHERE slug IN ('latte', 'espresso')",
  );
  latte = rows.find((row) => row.slug === 'latte')?.id ?? '';
  espresso = rows.find((row) => row.slug === 'espresso')?.id ?? '';
});
after(async () => {
  await teardownStep('order app', () => app.close(2_000));
  await deps.close();
});

const drinks = (menuItemId: string, quantity = 1) => [{ menuItemId, quantity, optionIds: [] }];

/** A round started by Ada with Bo and Cy joined by its code, each with a drink. */
async function tableOfThree() {
  const [ada, bo, cy] = await Promise.all([
    deps.registerCustomer('Ada'),
    deps.registerCustomer('Bo'),
    deps.registerCustomer('Cy'),
  ]);
  const started = await app.rounds.start(ada, 'Ada');
  await app.rounds.join(started.code.toLowerCase(), bo, 'Bo');
  await app.rounds.join(started.code, cy, 'Cy');
  await app.rounds.setItems(started.id, ada, drinks(latte));
  await app.rounds.setItems(started.id, bo, drinks(espresso));
  await app.rounds.setItems(started.id, cy, drinks(latte, 2));
  return { id: started.id, ada, bo, cy };
}

const ordersOf = async (roundId: string) =>
  (
    await deps.pool.query<{
      id: string;
      customer_id: string;
      customer_name: string;
      payer_id: string | null;
      total_cents: number;
    }>(
      'SELECT id, customer_id, customer_name, payer_id, total_cents FROM orders WHERE round_id = $1 ORDER BY customer_name',
      [roundId],
    )
  ).rows;

/** Which tab each of the orders was charged to, once its workflow took payment. */
const chargedTabs = async (orderIds: string[]) =>
  (
    await deps.customerPool.query<{ order_id: string; customer_id: string; amount_cents: number }>(
      "SELECT order_id, customer_id, amount_cents FROM tab_entries WHERE order_id = ANY($1) AND kind = 'charge'",
      [orderIds],
    )
  ).rows;

describe('starting and joining', () => {
  test('the starter shares a code; others join with it and only members see the round', async () => {
    const { id, ada, bo, cy } = await tableOfThree();
    const round = await app.rounds.get(id, bo);
    assert.match(round.code, /^[2-9A-HJKMNP-Z]{6}$/);
    assert.deepEqual(
      round.members.map((member) => [member.customerId, member.customerName]),
      [
        [ada, 'Ada'],
        [bo, 'Bo'],
        [cy, 'Cy'],
      ],
    );
    assert.ok(round.members.every((member) => member.subtotalCents > 0));
    const stranger = await deps.registerCustomer('Eve');
    await assert.rejects(app.rounds.get(id, stranger), RoundNotFoundError);
    await assert.rejects(app.rounds.join('ZZZZZZ', stranger, 'Eve'), RoundNotFoundError);
    // Joining again changes nothing.
    assert.equal((await app.rounds.join(round.code, bo, 'Bo')).members.length, 3);
  });
});

describe('cancelling', () => {
  test('only the starter cancels; the round is gone for everyone and its code no longer joins', async () => {
    const { id, ada, bo } = await tableOfThree();
    const { code } = await app.rounds.get(id, ada);
    await assert.rejects(app.rounds.cancel(id, bo), RoundConflictError);
    await app.rounds.cancel(id, ada);
    await assert.rejects(app.rounds.get(id, ada), RoundNotFoundError);
    await assert.rejects(app.rounds.get(id, bo), RoundNotFoundError);
    const latecomer = await deps.registerCustomer('Di');
    await assert.rejects(app.rounds.join(code, latecomer, 'Di'), RoundNotFoundError);
    assert.deepEqual(await ordersOf(id), []);
  });

  test('one customer has at most 3 open rounds, even starting them all at once; cancelling one frees a place', async () => {
    const eve = await deps.registerCustomer('Eve');
    const starts = await Promise.allSettled(
      Array.from({ length: 5 }, () => app.rounds.start(eve, 'Eve')),
    );
    const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
    assert.equal(started.length, 3);
    for (const start of starts)
      if (start.status === 'rejected') {
        assert.ok(start.reason instanceof RoundConflictError);
        assert.match(start.reason.message, /at most 3 open rounds/);
      }
    await app.rounds.cancel(started[0]?.id ?? '', eve);
    await app.rounds.start(eve, 'Eve');
  });
});

describe('submitting', () => {
  test('places one order per member, carrying the round, each charged to its own tab', async () => {
    const { id, ada, bo, cy } = await tableOfThree();
    const outcome = await app.rounds.submit(id, ada, 'each', []);
    assert.ok(outcome.submitted);
    assert.equal(outcome.round.status, 'submitted');
    const orders = await ordersOf(id);
    assert.deepEqual(
      orders.map((order) => [order.customer_id, order.customer_name, order.payer_id]),
      [
        [ada, 'Ada', null],
        [bo, 'Bo', null],
        [cy, 'Cy', null],
      ],
    );
    await eventually(
      'all three are charged',
      async () => (await chargedTabs(orders.map((order) => order.id))).length === 3,
    );
    for (const charge of await chargedTabs(orders.map((order) => order.id))) {
      const order = orders.find((each) => each.id === charge.order_id);
      assert.equal(charge.customer_id, order?.customer_id);
      assert.equal(charge.amount_cents, order?.total_cents);
    }
  });

  test('the starter can pay for everyone: every order is charged to the starter', async () => {
    const { id, ada } = await tableOfThree();
    await app.rounds.submit(id, ada, 'starter', []);
    const orders = await ordersOf(id);
    assert.equal(orders.length, 3);
    await eventually(
      'all three are charged',
      async () => (await chargedTabs(orders.map((order) => order.id))).length === 3,
    );
    const charges = await chargedTabs(orders.map((order) => order.id));
    assert.deepEqual(new Set(charges.map((charge) => charge.customer_id)), new Set([ada]));
  });

  test('only the starter submits', async () => {
    const { id, bo } = await tableOfThree();
    await assert.rejects(app.rounds.submit(id, bo, 'each', []), RoundConflictError);
    assert.deepEqual(await ordersOf(id), []);
  });
});

describe('edge cases', () => {
  test('someone leaves before the round is submitted: their drinks are not placed', async () => {
    const { id, ada, bo, cy } = await tableOfThree();
    await app.rounds.leave(id, bo);
    await assert.rejects(app.rounds.get(id, bo), RoundNotFoundError);
    await assert.rejects(app.rounds.leave(id, ada), RoundConflictError);
    await app.rounds.submit(id, ada, 'each', []);
    assert.deepEqual(
      (await ordersOf(id)).map((order) => order.customer_id),
      [ada, cy],
    );
    // Too late to leave once it is submitted.
    await assert.rejects(app.rounds.leave(id, cy), RoundConflictError);
  });

  test('an item becomes unavailable: the submit names it and whose it is, and places nothing', async () => {
    const { id, ada, bo } = await tableOfThree();
    await deps.pool.query("UPDATE menu_items SET available = false WHERE slug = 'espresso'");
    await app.catalog.invalidate();
    try {
      const outcome = await app.rounds.submit(id, ada, 'each', []);
      assert.ok(!outcome.submitted);
      assert.deepEqual(
        outcome.problems.map((problem) => [problem.kind, problem.customerId]),
        [['item_unavailable', bo]],
      );
      assert.equal(
        outcome.problems[0]?.kind === 'item_unavailable' && outcome.problems[0].menuItemId,
        espresso,
      );
      assert.equal(outcome.round.status, 'open');
      assert.deepEqual(await ordersOf(id), []);
    } finally {
      await deps.pool.query("UPDATE menu_items SET available = true WHERE slug = 'espresso'");
      await app.catalog.invalidate();
    }
  });

  test("a member's tab is refused: nothing goes until the starter agrees, then the rest goes through", async () => {
    const { id, ada, bo, cy } = await tableOfThree();
    // Twenty lattes are 80.00, over the test tab limit of 50.00.
    await app.rounds.setItems(id, cy, drinks(latte, 20));
    const refused = await app.rounds.submit(id, ada, 'each', []);
    assert.ok(!refused.submitted);
    assert.deepEqual(
      refused.problems.map((problem) => [problem.kind, problem.customerId, problem.customerName]),
      [['tab_refused', cy, 'Cy']],
    );
    assert.deepEqual(await ordersOf(id), []);

    const agreed = await app.rounds.submit(id, ada, 'each', [cy]);
    assert.ok(agreed.submitted);
    assert.deepEqual(
      (await ordersOf(id)).map((order) => order.customer_id),
      [ada, bo],
    );
    assert.equal(
      agreed.round.members.find((member) => member.customerId === cy)?.orderId,
      undefined,
    );
  });

  test('double submits, even at once, place each order once and answer the same', async () => {
    const { id, ada } = await tableOfThree();
    const [first, second] = await Promise.all([
      app.rounds.submit(id, ada, 'each', []),
      app.rounds.submit(id, ada, 'each', []),
    ]);
    const third = await app.rounds.submit(id, ada, 'starter', []);
    const ids = (outcome: typeof first) => {
      assert.ok(outcome.submitted);
      return outcome.orders.map((order) => order.id).sort();
    };
    assert.equal(ids(first).length, 3);
    assert.deepEqual(ids(second), ids(first));
    assert.deepEqual(ids(third), ids(first));
    assert.equal(third.round.payer, 'each');
    assert.equal((await ordersOf(id)).length, 3);
  });
});

describe('the barista', () => {
  test('each member is told once when the last drink of the round is ready', async () => {
    const { id, ada } = await tableOfThree();
    await app.rounds.submit(id, ada, 'each', []);
    const orders = await ordersOf(id);
    const barista = { actorId: ada };
    const noticesOf = async () =>
      (
        await deps.pool.query<{ order_id: string }>(
          `SELECT order_id FROM outbox WHERE type = 'order.customer_notified'
              AND payload->'notification'->>'about' = 'round_ready' AND order_id = ANY($1)`,
          [orders.map((order) => order.id)],
        )
      ).rows;
    for (const [index, order] of orders.entries()) {
      await app.ordering.act(order.id, 'accept', barista);
      await app.ordering.act(order.id, 'markReady', barista);
      if (index < orders.length - 1) assert.deepEqual(await noticesOf(), [], 'not before the last');
    }
    assert.deepEqual(
      (await noticesOf()).map((notice) => notice.order_id).sort(),
      orders.map((order) => order.id).sort(),
    );
    const listed = await app.ordering.list({ statuses: ['ready'], limit: 100 });
    assert.ok(listed.filter((order) => order.roundId === id).length === 3);
  });
});
