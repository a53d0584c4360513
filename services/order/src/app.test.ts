import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { menuV1 } from '@everything/contracts';
import { checkHealth } from '@everything/grpc';
import { createPool } from '@everything/postgres';
import { listServicesByReflection, serviceDatabase, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from './app.ts';
import { orderTestDeps } from './testing.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let app: OrderApp;
let address: string;
let client: menuV1.MenuServiceClient;

before(async () => {
  deps = await orderTestDeps();
  app = await createApp(deps);
  address = `127.0.0.1:${await app.start('127.0.0.1', 0)}`;
  client = new menuV1.MenuServiceClient(address, grpc.credentials.createInsecure());
});
after(async () => {
  client.close();
  await teardownStep('order app', () => app.close(1_000));
  await deps.close();
});

const listMenuItems = () =>
  new Promise<menuV1.ListMenuItemsResponse>((resolve, reject) => {
    client.listMenuItems({}, (error, response) => (error ? reject(error) : resolve(response)));
  });

test('ListMenuItems answers the seeded menu over gRPC', async () => {
  const { items } = await listMenuItems();
  const cappuccino = items.find((item) => item.name === 'Cappuccino');
  assert.ok(cappuccino);
  assert.equal(cappuccino.priceCents, 380);
  assert.equal(cappuccino.available, true);
  assert.deepEqual(
    cappuccino.optionGroups.map((group) => [group.name, group.minChoices, group.maxChoices]),
    [
      ['Size', 1, 1],
      ['Milk', 1, 1],
      ['Extras', 0, 3],
    ],
  );
});

test('the health service reports SERVING for the server and for MenuService', async () => {
  const whole = checkHealth(address);
  const menu = checkHealth(address, 'everything.order.v1.MenuService');
  assert.equal(await whole.status(1_000), 'SERVING');
  assert.equal(await menu.status(1_000), 'SERVING');
  whole.close();
  menu.close();
});

test('reflection describes the menu, order, round, schedule and health services', async () => {
  assert.deepEqual(await listServicesByReflection(address), [
    'everything.order.v1.MenuService',
    'everything.order.v1.OrderService',
    'everything.order.v1.RoundService',
    'everything.order.v1.ScheduleService',
    'grpc.health.v1.Health',
  ]);
});

test('a service whose database is unreachable reports NOT_SERVING and answers UNAVAILABLE', async () => {
  // Port 1 on loopback: nothing listens, every connection is refused.
  const pool = createPool({ ...serviceDatabase('order_service'), DB_PORT: 1 }, 'test', deps.logger);
  const broken = await createApp({
    ...deps,
    pool,
    database: { ...deps.database, DB_PORT: 1 },
    temporal: { ...deps.temporal, taskQueue: `broken-${deps.temporal.taskQueue}` },
  });
  const brokenAddress = `127.0.0.1:${await broken.start('127.0.0.1', 0)}`;
  const probe = checkHealth(brokenAddress);
  const brokenClient = new menuV1.MenuServiceClient(
    brokenAddress,
    grpc.credentials.createInsecure(),
  );
  try {
    assert.equal(await probe.status(1_000), 'NOT_SERVING');
    const error = await new Promise<grpc.ServiceError | null>((resolve) => {
      brokenClient.listMenuItems({}, (failure) => resolve(failure));
    });
    assert.equal(error?.code, grpc.status.UNAVAILABLE);
    assert.match(error.details, /order database is unreachable/);
  } finally {
    probe.close();
    brokenClient.close();
    await broken.close(1_000);
    await pool.end();
  }
});
