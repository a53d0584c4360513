import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { menuV1, orderV1, pushV1, roundV1, scheduleV1 } from '@everything/contracts';
import { channelOptions, checkHealth, insecure } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { teardownStep } from '@everything/test-support';
import { createApp as createOrderApp } from '../../order/src/app.ts';
import { orderTestDeps } from '../../order/src/testing.ts';
import { createApp, type ServerDeps } from './app.ts';

/**
 * The server on top of real peers: an order service (with its workflow worker, outbox relay
 * and the customer service it calls) on scratch databases and the test stack's servers.
 */
export async function serverTestStack(options: Parameters<typeof orderTestDeps>[0] = {}) {
  const orderDeps = await orderTestDeps(options);
  const order = await createOrderApp(orderDeps);
  const orderAddress = `127.0.0.1:${await order.start('127.0.0.1', 0)}`;
  const menu = new menuV1.MenuServiceClient(orderAddress, insecure(), channelOptions);
  const orders = new orderV1.OrderServiceClient(orderAddress, insecure(), channelOptions);
  const schedules = new scheduleV1.ScheduleServiceClient(orderAddress, insecure(), channelOptions);
  const rounds = new roundV1.RoundServiceClient(orderAddress, insecure(), channelOptions);
  const push = new pushV1.PushServiceClient(orderDeps.customerAddress, insecure(), channelOptions);
  const logger = createLogger('server-test', 'silent');
  const apps: { app: FastifyInstance; close: () => void }[] = [];
  // One signing key for every app built here, as replicas of one deployment share theirs.
  const tokens = {
    secret: randomBytes(32).toString('hex'),
    accessTtlSeconds: 300,
    refreshTtlSeconds: 3_600,
  };

  const build = async (overrides: Partial<ServerDeps> = {}) => {
    const peers = [{ name: 'order', probe: checkHealth(orderAddress) }];
    const app = await createApp({
      logger,
      menu,
      orders,
      schedules,
      rounds,
      customers: orderDeps.customers,
      push,
      valkey: orderDeps.valkey,
      peers,
      tokens,
      rateLimits: { perMinute: 10_000, authPerMinute: 10_000 },
      upstreamTimeoutMs: 5_000,
      trustProxyHops: 0,
      isAccepting: () => true,
      ...overrides,
    });
    apps.push({ app, close: () => peers.forEach((peer) => peer.probe.close()) });
    return app;
  };

  return {
    orderDeps,
    order,
    menu,
    build,
    async close() {
      await Promise.all(apps.map(({ app }) => app.close()));
      apps.forEach(({ close }) => close());
      menu.close();
      orders.close();
      schedules.close();
      rounds.close();
      push.close();
      await teardownStep('order app', () => order.close(2_000));
      await orderDeps.close();
    },
  };
}
