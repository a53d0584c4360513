import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { menuV1 } from '@everything/contracts';
import { channelOptions, checkHealth, insecure } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { createApp as createOrderApp, type OrderApp } from '../../order/src/app.ts';
import { orderTestDeps } from '../../order/src/testing.ts';
import { createApp } from './app.ts';

const logger = createLogger('server-test', 'silent');
let orderDeps: Awaited<ReturnType<typeof orderTestDeps>>;
let order: OrderApp;
let orderAddress: string;
let menu: menuV1.MenuServiceClient;

before(async () => {
  orderDeps = await orderTestDeps();
  order = await createOrderApp(orderDeps);
  orderAddress = `127.0.0.1:${await order.start('127.0.0.1', 0)}`;
  menu = new menuV1.MenuServiceClient(orderAddress, insecure(), channelOptions);
});
after(async () => {
  menu.close();
  await order.close(1_000);
  await orderDeps.close();
});

async function server(
  options: { accepting?: boolean; peers?: string[] } = {},
): Promise<FastifyInstance> {
  const peers = (options.peers ?? [orderAddress]).map((address, index) => ({
    name: index === 0 ? 'order' : `peer-${index}`,
    probe: checkHealth(address),
  }));
  const app = await createApp({
    logger,
    menu,
    peers,
    upstreamTimeoutMs: 1_000,
    isAccepting: () => options.accepting ?? true,
  });
  app.addHook('onClose', () => peers.forEach((peer) => peer.probe.close()));
  return app;
}

test('GET /v1/menu answers the menu from the order service', async () => {
  const app = await server();
  const response = await app.inject({ method: 'GET', url: '/v1/menu' });
  await app.close();
  assert.equal(response.statusCode, 200);
  const body = response.json<{
    items: { name: string; priceCents: number; available: boolean }[];
  }>();
  const latte = body.items.find((item) => item.name === 'Caffè latte');
  assert.deepEqual(latte && { priceCents: latte.priceCents, available: latte.available }, {
    priceCents: 400,
    available: true,
  });
});

test('/healthz is 200 and /readyz is 200 while every peer is serving', async () => {
  const app = await server();
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  await app.close();
  assert.equal(health.statusCode, 200);
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready', checks: { order: 'SERVING' } });
});

test('a peer that is down makes /readyz 503 naming it, and /v1/menu a 503 problem', async () => {
  // Port 1 on loopback: nothing listens there.
  const unreachable = new menuV1.MenuServiceClient('127.0.0.1:1', insecure(), channelOptions);
  const app = await createApp({
    logger,
    menu: unreachable,
    peers: [{ name: 'order', probe: checkHealth('127.0.0.1:1') }],
    upstreamTimeoutMs: 1_000,
    isAccepting: () => true,
  });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  const menuResponse = await app.inject({ method: 'GET', url: '/v1/menu' });
  await app.close();
  unreachable.close();

  assert.equal(ready.statusCode, 503);
  assert.equal(ready.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.match(ready.json<{ detail: string }>().detail, /Not serving: order/);

  assert.equal(menuResponse.statusCode, 503);
  assert.equal(menuResponse.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(menuResponse.headers['retry-after'], '5');
  assert.deepEqual(menuResponse.json(), {
    type: '/problems/service-unavailable',
    title: 'Service unavailable',
    status: 503,
    detail: 'The order service is unavailable; try again shortly.',
    instance: '/v1/menu',
  });
});

test('once shutdown has begun /readyz is 503', async () => {
  const app = await server({ accepting: false });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  await app.close();
  assert.equal(ready.statusCode, 503);
  assert.match(ready.json<{ detail: string }>().detail, /shutting down/);
});

test('an unknown route is a 404 problem', async () => {
  const app = await server();
  const response = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
  await app.close();
  assert.equal(response.statusCode, 404);
  assert.equal(response.json<{ type: string }>().type, '/problems/not-found');
});
