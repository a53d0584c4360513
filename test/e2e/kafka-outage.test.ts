// Kafka stopped while orders flow: orders still complete, and their events reach the customer
// service, in order, once Kafka is back. Uses a Kafka broker of its own, which it stops.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { orderV1 } from '@everything/contracts';
import { callUnary, channelOptions, insecure } from '@everything/grpc';
import { eventually, stack, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../../services/order/src/app.ts';
import { orderTestDeps } from '../../services/order/src/testing.ts';
import { runScript } from './support/processes.ts';

const kafkaPort = Number(process.env.KAFKA_PORT ?? 29092) + 10;
const kafkaEnv = {
  STACK_DIR: path.join(stack.dir, 'e2e-kafka'),
  KAFKA_PORT: String(kafkaPort),
  KAFKA_CONTROLLER_PORT: String(kafkaPort + 1),
};
const kafka = async (command: 'start' | 'stop') => {
  await runScript('scripts/stack/kafka.sh', [command], kafkaEnv);
  if (command === 'start') await runScript('scripts/stack/kafka.sh', ['wait_ready'], kafkaEnv);
};

describe('an outage of Kafka', () => {
  let deps: Awaited<ReturnType<typeof orderTestDeps>>;
  let app: OrderApp;
  let orders: orderV1.OrderServiceClient;
  let latte: string;

  before(async () => {
    await kafka('start');
    deps = await orderTestDeps({ kafkaBroker: `127.0.0.1:${kafkaPort}` });
    app = await createApp(deps);
    const address = `127.0.0.1:${await app.start('127.0.0.1', 0)}`;
    orders = new orderV1.OrderServiceClient(address, insecure(), channelOptions);
    const { items } = await deps.pool
      .query<{ id: string }>("SELECT id FROM menu_items WHERE slug = 'latte'")
      .then((result) => ({ items: result.rows }));
    latte = items[0]?.id ?? '';
  });
  after(async () => {
    orders.close();
    await teardownStep('order app', () => app.close(2_000));
    await deps.close();
    await kafka('stop');
  });

  const completeOrder = async (customerId: string) => {
    const { order } = await callUnary(
      orders,
      'placeOrder',
      {
        orderId: randomUUID(),
        customerId,
        customerName: 'Ada',
        redeemFreeDrink: false,
        lines: [{ menuItemId: latte, quantity: 1, optionIds: [] }],
      },
      10_000,
    );
    for (const action of ['acceptOrder', 'markOrderReady', 'pickUpOrder'] as const) {
      await callUnary(orders, action, { orderId: order?.id ?? '', actorId: 'barista' }, 10_000);
    }
    return order?.id ?? '';
  };
  const completedCount = async (customerId: string) =>
    (await callUnary(deps.customers, 'getCustomer', { id: customerId }, 5_000)).customer?.stats
      ?.ordersCompleted;
  const unpublished = async () =>
    Number(
      (
        await deps.pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
        )
      ).rows[0]?.n,
    );

  test('orders complete while Kafka is down; their events are published in order when it returns', async () => {
    const customerId = await deps.registerCustomer();
    await completeOrder(customerId);
    await eventually(
      'the first order reaches the customer service',
      async () => (await completedCount(customerId)) === 1,
      30_000,
    );

    await kafka('stop');
    const during = await completeOrder(customerId);
    const status = (await callUnary(orders, 'getOrder', { orderId: during }, 5_000)).order?.status;
    assert.equal(status, orderV1.OrderStatus.ORDER_STATUS_COMPLETED);
    assert.equal(await unpublished(), 5, 'the five events of the order wait in the outbox');

    await kafka('start');
    await eventually('the outbox drains', async () => (await unpublished()) === 0, 60_000);
    await eventually(
      'the customer service applies the events',
      async () => (await completedCount(customerId)) === 2,
      60_000,
    );
    const { rows } = await deps.pool.query<{ type: string }>(
      'SELECT type FROM outbox WHERE order_id = $1 ORDER BY published_at, id',
      [during],
    );
    assert.deepEqual(
      rows.map((row) => row.type),
      [
        'order.placed',
        'order.accepted',
        'order.customer_notified',
        'order.ready',
        'order.completed',
      ],
    );
  });
});
