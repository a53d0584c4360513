import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { callUnary } from '@everything/grpc';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { orderTestDeps } from '../testing.ts';
import { OrderRepository } from './order-repository.ts';
import { priceLines } from './pricing.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let app: OrderApp;

before(async () => {
  deps = await orderTestDeps({ acceptMs: 60_000 });
  app = await createApp({ ...deps, stalledOrders: { intervalMs: 200, graceMs: 1_000 } });
  await app.start('127.0.0.1', 0);
});
after(async () => {
  await teardownStep('order app', () => app.close(2_000));
  await deps.close();
});

/** What PlaceOrder stores before it starts the workflow: as if the start then failed. */
async function storeWithoutWorkflow(customerId: string, acceptBy: Date) {
  const { items } = await app.catalog.list();
  const espresso = items.find((item) => item.name === 'Espresso');
  assert.ok(espresso);
  const lines = priceLines([{ menuItemId: espresso.id, quantity: 1, optionIds: [] }], items);
  const { order } = await new OrderRepository(deps.pool).insertPlaced({
    id: randomUUID(),
    customerId,
    customerName: 'Ada',
    lines,
    discountCents: 0,
    pointsRedeemed: 0,
    totalCents: lines[0]?.unitPriceCents ?? 0,
    acceptBy,
  });
  return order;
}

const tabOf = async (customerId: string) =>
  (await callUnary(deps.customers, 'getCustomer', { id: customerId }, 5_000)).customer
    ?.tabBalanceCents;

test('an order stored as placed whose workflow never started is started by the sweep: charged, then accepted', async () => {
  const customerId = await deps.registerCustomer();
  const order = await storeWithoutWorkflow(customerId, new Date(Date.now() + 60_000));
  await eventually(
    'the stalled order is charged',
    async () => (await tabOf(customerId)) === order.totalCents,
  );
  const accepted = await app.ordering.act(order.id, 'accept', { actorId: randomUUID() });
  assert.equal(accepted.status, 'accepted');
  // A running workflow is never started twice: a later sweep leaves it alone.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal((await app.ordering.get(order.id)).status, 'accepted');
  assert.equal(await tabOf(customerId), order.totalCents);
});

test('a stalled order found after its accept deadline is cancelled and its charge refunded', async () => {
  const customerId = await deps.registerCustomer();
  const order = await storeWithoutWorkflow(customerId, new Date(Date.now() - 1_000));
  await eventually(
    'the stalled order is cancelled',
    async () => (await app.ordering.get(order.id)).status === 'cancelled',
  );
  assert.equal((await app.ordering.get(order.id)).statusReason, 'not accepted in time');
  await eventually('its charge is refunded', async () => (await tabOf(customerId)) === 0);
});
