// The order service killed with SIGKILL in the middle of an order: after a restart the order's
// workflow carries on where it was, and the order completes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { customerV1, menuV1, orderV1 } from '@everything/contracts';
import { callUnary, channelOptions, insecure } from '@everything/grpc';
import { ServiceProcess, waitForPort } from './support/processes.ts';
import { servicesEnv } from './support/services-env.ts';

const ports = {
  order: Number(process.env.ORDER_PORT ?? 25051) + 20,
  customer: Number(process.env.CUSTOMER_PORT ?? 25052) + 20,
};
const run = `crash-${randomUUID().slice(0, 8)}`;

// The server is not started here; its port is never opened.
const { order: orderEnv, customer: customerEnv } = servicesEnv(run, { ...ports, server: 0 });

describe('an order service killed mid-order', () => {
  const processes: ServiceProcess[] = [];
  let orders: orderV1.OrderServiceClient;
  let customers: customerV1.CustomerServiceClient;

  const startOrderService = async () => {
    const order = new ServiceProcess('order', orderEnv);
    processes.push(order);
    await waitForPort(ports.order, 60_000);
    return order;
  };

  before(async () => {
    processes.push(new ServiceProcess('customer', customerEnv));
    await waitForPort(ports.customer, 30_000);
    orders = new orderV1.OrderServiceClient(`127.0.0.1:${ports.order}`, insecure(), channelOptions);
    customers = new customerV1.CustomerServiceClient(
      `127.0.0.1:${ports.customer}`,
      insecure(),
      channelOptions,
    );
  });
  after(async () => {
    orders.close();
    customers.close();
    for (const service of processes.toReversed()) await service.stop();
  });

  test('SIGKILL after acceptance: the restarted service finishes the order', async () => {
    const first = await startOrderService();
    const { customer } = await callUnary(
      customers,
      'registerCustomer',
      { email: `${run}@example.com`, password: 'correct horse', displayName: 'Ada' },
      5_000,
    );
    const menu = new menuV1.MenuServiceClient(`127.0.0.1:${ports.order}`, insecure());
    const { items } = await callUnary(menu, 'listMenuItems', {}, 5_000);
    menu.close();
    const { order } = await callUnary(
      orders,
      'placeOrder',
      {
        orderId: randomUUID(),
        customerId: customer?.id ?? '',
        customerName: 'Ada',
        redeemFreeDrink: false,
        lines: [{ menuItemId: items[0]?.id ?? '', quantity: 1, optionIds: [] }],
      },
      10_000,
    );
    const orderId = order?.id ?? '';
    await callUnary(orders, 'acceptOrder', { orderId, actorId: 'barista' }, 10_000);

    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null, 'killed by a signal, not exited');
    await startOrderService();

    const ready = await callUnary(
      orders,
      'markOrderReady',
      { orderId, actorId: 'barista' },
      30_000,
    );
    assert.equal(ready.order?.status, orderV1.OrderStatus.ORDER_STATUS_READY);
    const done = await callUnary(
      orders,
      'pickUpOrder',
      { orderId, actorId: customer?.id ?? '' },
      30_000,
    );
    assert.equal(done.order?.status, orderV1.OrderStatus.ORDER_STATUS_COMPLETED);
  });
});
