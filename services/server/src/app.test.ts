import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { menuV1 } from '@everything/contracts';
import { channelOptions, checkHealth, insecure } from '@everything/grpc';
import { serverTestStack } from './testing.ts';

let stack: Awaited<ReturnType<typeof serverTestStack>>;
let app: FastifyInstance;

before(async () => {
  stack = await serverTestStack();
  app = await stack.build();
});
after(() => stack.close());

test('GET /v1/menu answers the menu from the order service', async () => {
  const response = await app.inject({ method: 'GET', url: '/v1/menu' });
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
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(health.statusCode, 200);
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready', checks: { order: 'SERVING' } });
});

test('a peer that is down makes /readyz 503 naming it, and /v1/menu a 503 problem', async () => {
  // Port 1 on loopback: nothing listens there.
  const unreachable = new menuV1.MenuServiceClient('127.0.0.1:1', insecure(), channelOptions);
  const down = await stack.build({
    menu: unreachable,
    peers: [{ name: 'order', probe: checkHealth('127.0.0.1:1') }],
  });
  const ready = await down.inject({ method: 'GET', url: '/readyz' });
  const menuResponse = await down.inject({ method: 'GET', url: '/v1/menu' });
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
  const stopping = await stack.build({ isAccepting: () => false });
  const ready = await stopping.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.match(ready.json<{ detail: string }>().detail, /shutting down/);
});

test('an unknown route is a 404 problem', async () => {
  const response = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json<{ type: string }>().type, '/problems/not-found');
});

test('a path parameter longer than any valid one, or badly escaped, is a 400 problem naming the path', async () => {
  for (const url of [`/v1/customers/me/favorites/${'x'.repeat(500)}`, '/v1/orders/%E0%A4%A']) {
    const response = await app.inject({ method: 'DELETE', url });
    assert.equal(response.statusCode, 400, url);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const problem = response.json<{ type: string; errors: { field: string }[] }>();
    assert.equal(problem.type, '/problems/validation-failed');
    assert.deepEqual(
      problem.errors.map((error) => error.field),
      ['path'],
    );
  }
});

test('the OpenAPI 3.1 document describes the public routes, and a docs page serves it', async () => {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    openapi: string;
    paths: Record<string, unknown>;
  }>();
  assert.equal(document.openapi, '3.1.0');
  for (const path of [
    '/v1/menu',
    '/v1/auth/register',
    '/v1/auth/login',
    '/v1/auth/refresh',
    '/v1/auth/logout',
    '/v1/orders',
    '/v1/orders/{id}',
    '/v1/orders/{id}/accept',
    '/v1/customers/me',
    '/v1/customers/{id}/role',
    '/v1/customers/me/sessions',
    '/v1/customers/{id}/sessions',
  ]) {
    assert.ok(path in document.paths, `${path} is documented`);
  }
  const docs = await app.inject({ method: 'GET', url: '/docs' });
  assert.ok([200, 302].includes(docs.statusCode));
});
