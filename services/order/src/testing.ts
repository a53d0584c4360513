import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { customerV1 } from '@everything/contracts';
import { callUnary, channelOptions, insecure } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { migratedScratchDatabase, stack, teardownStep } from '@everything/test-support';
import { createValkey } from '@everything/valkey';
import { createApp as createCustomerApp, type CustomerDeps } from '../../customer/src/app.ts';
import type { OrderApp, OrderDeps } from './app.ts';
import { installTemporalRuntime } from './temporal/runtime.ts';

/**
 * The order service's real dependencies for one test: a freshly migrated order database (with
 * the seeded menu), a real customer service on its own database (consuming this test's order
 * events), the stack's Temporal on a
 * task queue no other test uses, the stack's Kafka on a topic of its own, and a Valkey key
 * prefix of its own.
 */
export async function orderTestDeps(
  options: {
    acceptMs?: number;
    pickupMs?: number;
    kafkaBroker?: string;
    /** Web Push settings of the customer service; none sends no notifications. */
    push?: CustomerDeps['push'];
  } = {},
) {
  const kafkaBroker = options.kafkaBroker ?? stack.kafkaBroker;
  const logger = createLogger('order-test', 'silent');
  const orderDatabase = await migratedScratchDatabase(
    'order_service',
    new URL('../migrations/', import.meta.url),
  );
  const customerDatabase = await migratedScratchDatabase(
    'customer_service',
    new URL('../../customer/migrations/', import.meta.url),
  );
  const pool = createPool(orderDatabase.config, 'order-test', logger);
  const customerPool = createPool(customerDatabase.config, 'customer-test', logger);
  const topic = `test.orders.v1.${randomUUID()}`;
  const customerApp = await createCustomerApp({
    pool: customerPool,
    logger,
    tabLimitCents: 5_000,
    events: {
      brokers: [kafkaBroker],
      topic,
      deadLetterTopic: `${topic}.dlq`,
      groupId: `customer-${randomUUID()}`,
    },
    ...(options.push ? { push: options.push } : {}),
  });
  const customerAddress = `127.0.0.1:${await customerApp.start('127.0.0.1', 0)}`;
  const customers = new customerV1.CustomerServiceClient(
    customerAddress,
    insecure(),
    channelOptions,
  );
  const keyPrefix = `test:${randomUUID()}:order:`;
  const valkey = createValkey(stack.valkeyUrl, keyPrefix, logger);
  const namespace = process.env.ENVIRONMENT ?? 'test';
  installTemporalRuntime(logger);
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });

  const deps: OrderDeps = {
    pool,
    database: orderDatabase.config,
    valkey,
    logger,
    menuCacheTtlSeconds: 60,
    temporal: {
      connection,
      // Shared with the worker, as serve.ts does: eager workflow start needs it.
      client: new Client({ connection, namespace }),
      namespace,
      taskQueue: `orders-${randomUUID()}`,
    },
    customers,
    pointsPerFreeDrink: 10,
    kafka: { brokers: [kafkaBroker], topic },
    timeouts: {
      acceptMs: options.acceptMs ?? 60_000,
      pickupMs: options.pickupMs ?? 60_000,
      upstreamMs: 2_000,
    },
  };

  return {
    ...deps,
    keyPrefix,
    customerPool,
    customerAddress,
    /** Registers a customer through the real customer service and returns its id. */
    async registerCustomer(name = 'Ada'): Promise<string> {
      const { customer } = await callUnary(
        customers,
        'registerCustomer',
        {
          email: `${name.toLowerCase()}-${randomUUID()}@example.com`,
          password: 'correct horse',
          displayName: name,
        },
        5_000,
      );
      return customer?.id ?? '';
    },
    async close() {
      customers.close();
      await teardownStep('customer app', () => customerApp.close(1_000));
      await teardownStep('customer pool', () => customerPool.end());
      await teardownStep('temporal connection', () => connection.close());
      valkey.disconnect();
      await teardownStep('order pool', () => pool.end());
      await orderDatabase.drop();
      await customerDatabase.drop();
    },
  };
}

/** Places one espresso for the customer through the app, as PlaceOrder does; returns its id. */
export async function placeEspresso(app: OrderApp, customerId: string): Promise<string> {
  const { items } = await app.catalog.list();
  const espresso = items.find((item) => item.name === 'Espresso');
  if (!espresso) throw new Error('the seeded menu has no Espresso');
  const orderId = randomUUID();
  await app.ordering.place({
    orderId,
    customerId,
    customerName: 'Ada',
    redeemFreeDrink: false,
    lines: [{ menuItemId: espresso.id, quantity: 1, optionIds: [] }],
  });
  return orderId;
}
