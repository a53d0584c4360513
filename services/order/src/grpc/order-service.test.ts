import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { menuV1, orderV1 } from '@everything/contracts';
import {
  callUnary,
  channelOptions,
  insecure,
  Status,
  type UnaryMethodName,
  type UnaryRequest,
} from '@everything/grpc';
import { eventually, outcome, stack, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { orderTestDeps } from '../testing.ts';

const { OrderStatus } = orderV1;

describe('orders over gRPC, orchestrated by Temporal', () => {
  let deps: Awaited<ReturnType<typeof orderTestDeps>>;
  let app: OrderApp;
  let orders: orderV1.OrderServiceClient;
  let menu: menuV1.MenuItem[];

  before(async () => {
    deps = await orderTestDeps({ acceptMs: 3_000 });
    app = await createApp(deps);
    const address = `127.0.0.1:${await app.start('127.0.0.1', 0)}`;
    orders = new orderV1.OrderServiceClient(address, insecure(), channelOptions);
    const menuClient = new menuV1.MenuServiceClient(address, insecure(), channelOptions);
    menu = (await callUnary(menuClient, 'listMenuItems', {}, 5_000)).items;
    menuClient.close();
  });
  after(async () => {
    orders.close();
    await teardownStep('order app', () => app.close(2_000));
    await deps.close();
  });

  const rpc = <Name extends UnaryMethodName<orderV1.OrderServiceClient>>(
    name: Name,
    request: UnaryRequest<orderV1.OrderServiceClient, Name>,
  ) => outcome(callUnary(orders, name, request, 10_000));

  const item = (name: string) => {
    const found = menu.find((entry) => entry.name === name);
    assert.ok(found, `${name} is on the menu`);
    return found;
  };
  const optionId = (itemName: string, optionName: string) => {
    const found = item(itemName)
      .optionGroups.flatMap((group) => group.options)
      .find((option) => option.name === optionName);
    assert.ok(found, `${itemName} has ${optionName}`);
    return found.id;
  };

  async function place(customerId: string, orderId = randomUUID()) {
    const { error, response } = await rpc('placeOrder', {
      orderId,
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [
        {
          menuItemId: item('Caffè latte').id,
          quantity: 2,
          optionIds: [optionId('Caffè latte', 'Oat milk')],
        },
        { menuItemId: item('Espresso').id, quantity: 1, optionIds: [] },
      ],
    });
    assert.equal(error, null);
    assert.ok(response?.order);
    return response.order;
  }

  /** The tab's ledger rows of one order, by kind: what "exactly once" is about. */
  const ledgerOf = async (orderId: string) =>
    (
      await deps.customerPool.query<{ kind: string; n: number }>(
        'SELECT kind, count(*)::int AS n FROM tab_entries WHERE order_id = $1 GROUP BY kind ORDER BY kind',
        [orderId],
      )
    ).rows;

  const tabOf = async (customerId: string) =>
    (await callUnary(deps.customers, 'getCustomer', { id: customerId }, 5_000)).customer
      ?.tabBalanceCents;

  test('an order goes placed → accepted → ready → completed, priced by the menu and charged to the tab', async () => {
    const customerId = await deps.registerCustomer();
    const order = await place(customerId);
    assert.equal(order.status, OrderStatus.ORDER_STATUS_PLACED);
    assert.equal(order.totalCents, 2 * (400 + 50) + 250);
    assert.equal(order.queuePosition, 0);
    assert.ok(order.estimatedReadyAt && order.estimatedReadyAt > new Date());
    assert.ok(order.acceptBy);
    await eventually(
      'the tab is charged',
      async () => (await tabOf(customerId)) === order.totalCents,
    );

    for (const [action, status] of [
      ['acceptOrder', OrderStatus.ORDER_STATUS_ACCEPTED],
      ['markOrderReady', OrderStatus.ORDER_STATUS_READY],
      ['pickUpOrder', OrderStatus.ORDER_STATUS_COMPLETED],
    ] as const) {
      const { error, response } = await rpc(action, { orderId: order.id, actorId: 'barista-1' });
      assert.equal(error, null, `${action}: ${error?.details}`);
      assert.equal(response?.order?.status, status);
    }
    assert.equal(await tabOf(customerId), order.totalCents);
  });

  test('cancelling before acceptance refunds the tab exactly once; a second cancel is refused with the state', async () => {
    const customerId = await deps.registerCustomer();
    const order = await place(customerId);
    await eventually(
      'the tab is charged',
      async () => (await tabOf(customerId)) === order.totalCents,
    );
    const cancelled = await rpc('cancelOrder', {
      orderId: order.id,
      actorId: customerId,
      reason: 'changed my mind',
    });
    assert.equal(cancelled.response?.order?.status, OrderStatus.ORDER_STATUS_CANCELLED);
    assert.equal(cancelled.response.order.statusReason, 'changed my mind');
    await eventually('the tab is refunded', async () => (await tabOf(customerId)) === 0);

    const again = await rpc('cancelOrder', { orderId: order.id, actorId: customerId, reason: '' });
    assert.equal(again.error?.code, Status.FAILED_PRECONDITION);
    assert.match(again.error.details, /^cancelled: cannot cancel an order that is cancelled/);
    assert.equal(await tabOf(customerId), 0);
    assert.deepEqual(await ledgerOf(order.id), [
      { kind: 'charge', n: 1 },
      { kind: 'refund', n: 1 },
    ]);
  });

  test('an action that does not fit the state is refused with the current state and changes nothing', async () => {
    const customerId = await deps.registerCustomer();
    const order = await place(customerId);
    const early = await rpc('markOrderReady', { orderId: order.id, actorId: 'barista-1' });
    assert.equal(early.error?.code, Status.FAILED_PRECONDITION);
    assert.match(early.error.details, /^placed: cannot markReady an order that is placed/);
    await rpc('acceptOrder', { orderId: order.id, actorId: 'barista-1' });
    const late = await rpc('cancelOrder', { orderId: order.id, actorId: customerId, reason: '' });
    assert.equal(late.error?.code, Status.FAILED_PRECONDITION);
    assert.match(late.error.details, /^accepted: /);
    const current = await rpc('getOrder', { orderId: order.id });
    assert.equal(current.response?.order?.status, OrderStatus.ORDER_STATUS_ACCEPTED);
  });

  test('an order nobody accepts is cancelled by the timeout and refunded', async () => {
    const customerId = await deps.registerCustomer();
    const order = await place(customerId);
    await eventually(
      'the accept timeout cancels the order',
      async () =>
        (await rpc('getOrder', { orderId: order.id })).response?.order?.status ===
        OrderStatus.ORDER_STATUS_CANCELLED,
      15_000,
    );
    const { response } = await rpc('getOrder', { orderId: order.id });
    assert.equal(response?.order?.statusReason, 'not accepted in time');
    await eventually('the tab is refunded', async () => (await tabOf(customerId)) === 0);
  });

  test('placing the same order id twice creates one order and charges once', async () => {
    const customerId = await deps.registerCustomer();
    const orderId = randomUUID();
    const [first, second] = await Promise.all([
      place(customerId, orderId),
      place(customerId, orderId),
    ]);
    assert.equal(first.id, second.id);
    await eventually(
      'the tab is charged',
      async () => (await tabOf(customerId)) === first.totalCents,
    );
    const history = await rpc('listOrders', { customerId, statuses: [], limit: 10 });
    assert.equal(history.response?.orders.length, 1);
    assert.deepEqual(await ledgerOf(orderId), [{ kind: 'charge', n: 1 }]);
  });

  test('an order over the tab limit is cancelled, naming why', async () => {
    const customerId = await deps.registerCustomer();
    const { response } = await rpc('placeOrder', {
      orderId: randomUUID(),
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [
        {
          menuItemId: item('Matcha latte').id,
          quantity: 20,
          optionIds: [optionId('Matcha latte', 'Large (470 ml)')],
        },
      ],
    });
    assert.ok(response?.order);
    await eventually(
      'the refused charge cancels the order',
      async () =>
        (await rpc('getOrder', { orderId: response.order?.id ?? '' })).response?.order?.status ===
        OrderStatus.ORDER_STATUS_CANCELLED,
    );
    const { response: current } = await rpc('getOrder', { orderId: response.order.id });
    assert.match(
      current?.order?.statusReason ?? '',
      /^not charged: the tab would reach \d+ cents, over its limit of 5000 cents/,
    );
    assert.equal(await tabOf(customerId), 0);
  });

  test('bad lines are refused before anything is stored', async () => {
    const customerId = await deps.registerCustomer();
    const orderId = randomUUID();
    const badOption = await rpc('placeOrder', {
      orderId,
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [
        {
          menuItemId: item('Espresso').id,
          quantity: 1,
          optionIds: [optionId('Caffè latte', 'Oat milk')],
        },
      ],
    });
    assert.equal(badOption.error?.code, Status.INVALID_ARGUMENT);
    assert.match(badOption.error.details, /^items\[0\]\.options: /);
    const badId = await rpc('placeOrder', {
      orderId: 'nope',
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [],
    });
    assert.equal(badId.error?.code, Status.INVALID_ARGUMENT);
    assert.match(badId.error.details, /^orderId: must be a UUID/);
    assert.equal((await rpc('getOrder', { orderId })).error?.code, Status.NOT_FOUND);
  });

  test('an unavailable item is FAILED_PRECONDITION naming it', async () => {
    const customerId = await deps.registerCustomer();
    await deps.pool.query("UPDATE menu_items SET available = false WHERE slug = 'cold-brew'");
    await app.catalog.invalidate();
    const { error } = await rpc('placeOrder', {
      orderId: randomUUID(),
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [{ menuItemId: item('Cold brew').id, quantity: 1, optionIds: [] }],
    });
    assert.equal(error?.code, Status.FAILED_PRECONDITION);
    assert.match(error.details, /Cold brew is unavailable/);
  });

  test('a free drink paid with points: discounted, points taken once, given back once when cancelled', async () => {
    const customerId = await deps.registerCustomer();
    const pointsOf = async () =>
      (await callUnary(deps.customers, 'getCustomer', { id: customerId }, 5_000)).customer
        ?.loyaltyPoints;

    const tooFew = await rpc('placeOrder', {
      orderId: randomUUID(),
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: true,
      lines: [{ menuItemId: item('Espresso').id, quantity: 1, optionIds: [] }],
    });
    await eventually(
      'an order without enough points is cancelled',
      async () =>
        (await rpc('getOrder', { orderId: tooFew.response?.order?.id ?? '' })).response?.order
          ?.status === OrderStatus.ORDER_STATUS_CANCELLED,
    );
    const refused = await rpc('getOrder', { orderId: tooFew.response?.order?.id ?? '' });
    assert.match(
      refused.response?.order?.statusReason ?? '',
      /^not paid with points: a free drink needs 10 points; the customer has 0/,
    );
    assert.equal(await tabOf(customerId), 0);

    // Earn points: a completed 13.50 order is worth 13 points (one per whole euro).
    const earning = await rpc('placeOrder', {
      orderId: randomUUID(),
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [
        {
          menuItemId: item('Caffè latte').id,
          quantity: 3,
          optionIds: [optionId('Caffè latte', 'Oat milk')],
        },
      ],
    });
    for (const action of ['acceptOrder', 'markOrderReady', 'pickUpOrder'] as const) {
      await rpc(action, { orderId: earning.response?.order?.id ?? '', actorId: 'barista-1' });
    }
    await eventually('the points are earned', async () => (await pointsOf()) === 13);

    const free = await rpc('placeOrder', {
      orderId: randomUUID(),
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: true,
      lines: [
        {
          menuItemId: item('Caffè latte').id,
          quantity: 1,
          optionIds: [optionId('Caffè latte', 'Oat milk')],
        },
        { menuItemId: item('Espresso').id, quantity: 1, optionIds: [] },
      ],
    });
    const order = free.response?.order;
    assert.ok(order);
    assert.deepEqual([order.discountCents, order.pointsRedeemed, order.totalCents], [450, 10, 250]);
    await eventually('the points are taken', async () => (await pointsOf()) === 3);
    await eventually('the rest is charged', async () => (await tabOf(customerId)) === 1350 + 250);

    await rpc('cancelOrder', { orderId: order.id, actorId: customerId, reason: '' });
    await eventually('the points come back', async () => (await pointsOf()) === 13);
    await eventually('the tab is refunded', async () => (await tabOf(customerId)) === 1350);
    const again = await rpc('cancelOrder', { orderId: order.id, actorId: customerId, reason: '' });
    assert.equal(again.error?.code, Status.FAILED_PRECONDITION);
    assert.equal(await pointsOf(), 13);
  });

  test('every state change reaches Kafka in order, keyed by order, with id, type and version headers', async () => {
    const customerId = await deps.registerCustomer();
    const order = await place(customerId);
    for (const action of ['acceptOrder', 'markOrderReady', 'pickUpOrder'] as const) {
      await rpc(action, { orderId: order.id, actorId: 'barista-1' });
    }
    const consumer = new Consumer({
      groupId: `order-test-${randomUUID()}`,
      clientId: 'order-test',
      bootstrapBrokers: [stack.kafkaBroker],
      deserializers: stringDeserializers,
    });
    const stream = await consumer.consume({
      topics: [deps.kafka.topic],
      mode: 'earliest',
      autocommit: false,
    });
    const seen: {
      type: string;
      id: string;
      version: string;
      occurredAt: string;
      status: string;
    }[] = [];
    try {
      for await (const message of stream) {
        if (message.key !== order.id) continue;
        const payload = JSON.parse(message.value) as { eventId: string; order: { status: string } };
        seen.push({
          type: String(message.headers.get('event-type')),
          id: String(message.headers.get('event-id')),
          version: String(message.headers.get('schema-version')),
          occurredAt: String(message.headers.get('occurred-at')),
          status: payload.order.status,
        });
        assert.equal(payload.eventId, seen.at(-1)?.id);
        if (seen.length === 5) break;
      }
    } finally {
      await stream.close();
      await consumer.close(true);
    }
    assert.deepEqual(
      seen.map((event) => event.type),
      [
        'order.placed',
        'order.accepted',
        'order.customer_notified',
        'order.ready',
        'order.completed',
      ],
    );
    assert.deepEqual(
      seen.map((event) => event.status),
      ['placed', 'accepted', 'accepted', 'ready', 'completed'],
    );
    assert.ok(seen.every((event) => event.version === '1'));
    assert.ok(seen.every((event) => !Number.isNaN(Date.parse(event.occurredAt))));
    assert.equal(new Set(seen.map((event) => event.id)).size, 5);
  });

  test("one order's queue estimate is the one the whole queue gives it", async () => {
    const customerId = await deps.registerCustomer();
    const placed = [await place(customerId), await place(customerId), await place(customerId)];
    const queue = await rpc('listOrders', {
      customerId: '',
      statuses: [OrderStatus.ORDER_STATUS_PLACED, OrderStatus.ORDER_STATUS_ACCEPTED],
      limit: 200,
    });
    const inQueue = new Map(queue.response?.orders.map((order) => [order.id, order]));
    const positions = [];
    for (const order of placed) {
      const alone = (await rpc('getOrder', { orderId: order.id })).response?.order;
      assert.equal(alone?.queuePosition, inQueue.get(order.id)?.queuePosition);
      // Both are "now + the wait": they differ by the time between the two reads only.
      const apart =
        (alone?.estimatedReadyAt?.getTime() ?? 0) -
        (inQueue.get(order.id)?.estimatedReadyAt?.getTime() ?? Infinity);
      assert.ok(apart >= 0 && apart < 1_000, `estimates ${apart} ms apart`);
      positions.push(alone?.queuePosition ?? -1);
    }
    const first = positions[0] ?? -1;
    assert.deepEqual(positions, [first, first + 1, first + 2]);
  });
});
