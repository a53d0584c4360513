// The pickup display through the REST API: a display key shows who has an order ready and
// nothing else, opens nothing else, and stops working when an admin revokes it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { callUnary } from '@everything/grpc';
import { eventually } from '@everything/test-support';
import { serverTestStack } from './testing.ts';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('the pickup display', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let admin: string;
  let customer: string;
  let customerName: string;
  let latteId: string;

  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    token: string | undefined,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const response = await app.inject({
      method,
      url,
      payload: payload as Record<string, unknown> | undefined,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    return {
      status: response.statusCode,
      body: response.body ? response.json<Record<string, unknown>>() : {},
    };
  };
  const login = async (email: string, password: string) =>
    (await call('POST', '/v1/auth/login', undefined, { email, password })).body
      .accessToken as string;

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const adminEmail = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email: adminEmail, password: 'admin password' },
      5_000,
    );
    admin = await login(adminEmail, 'admin password');
    customerName = `Ada ${randomUUID().slice(0, 6)}`;
    customer = (
      await call('POST', '/v1/auth/register', undefined, {
        email: `ada-${randomUUID()}@example.com`,
        password: 'a long password',
        displayName: customerName,
      })
    ).body.accessToken as string;
    const menu = (await call('GET', '/v1/menu', undefined)).body.items as {
      id: string;
      name: string;
    }[];
    latteId = menu.find((item) => item.name === 'Caffè latte')?.id ?? '';
  });

  after(async () => {
    await stack.close();
  });

  const displayKey = async () =>
    ((await call('POST', '/v1/displays', admin)).body as { key: string }).key;
  const placeLatte = () =>
    call(
      'POST',
      '/v1/orders',
      customer,
      { items: [{ menuItemId: latteId, quantity: 1 }] },
      { 'idempotency-key': randomUUID() },
    );

  /** Opens a stream on a real listener; the caller aborts it. */
  const openStream = async (key: string, controller: AbortController) => {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return fetch(`http://127.0.0.1:${port}/v1/pickup/events`, {
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
  };

  /** The data of the first event on a stream, within 15 s. */
  const firstEvent = async (response: Response): Promise<unknown> => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const data = /^data: (.*)$/m.exec(buffer);
      if (data?.[1]) return JSON.parse(data[1]);
    }
    throw new Error('the stream ended without an event');
  };

  test('a display key shows ready orders by the customer’s name and nothing more', async () => {
    const key = await displayKey();
    const placed = await placeLatte();
    assert.equal(placed.status, 201);
    const orderId = placed.body.id as string;
    assert.equal((await call('POST', `/v1/orders/${orderId}/accept`, admin)).status, 200);

    const before = (await call('GET', '/v1/pickup', key)).body.orders as { id: string }[];
    assert.ok(!before.some((order) => order.id === orderId), 'an accepted order is not ready yet');

    assert.equal((await call('POST', `/v1/orders/${orderId}/ready`, admin)).status, 200);
    const ready = await call('GET', '/v1/pickup', key);
    assert.equal(ready.status, 200);
    const shown = (ready.body.orders as Record<string, unknown>[]).find(
      (order) => order.id === orderId,
    );
    assert.ok(shown, 'the ready order is on the display');
    assert.deepEqual(Object.keys(shown).sort(), ['customerName', 'id', 'readyAt']);
    assert.equal(shown.customerName, customerName);
  });

  test("the display's stream tells which order changed, and nothing about who or what", async () => {
    const key = await displayKey();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 15_000);
    try {
      const stream = await openStream(key, controller);
      assert.equal(stream.status, 200);
      const placed = await placeLatte();
      assert.deepEqual(await firstEvent(stream), { orderId: placed.body.id, status: 'placed' });
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  });

  test('one display key holds at most 8 streams at once on a replica', async () => {
    const key = await displayKey();
    const controller = new AbortController();
    try {
      // Held until the end: fetch cancels the body of a Response once it is garbage, which
      // would close its stream and free its place early.
      const streams: Response[] = [];
      for (let count = 0; count < 9; count += 1) streams.push(await openStream(key, controller));
      assert.deepEqual(
        streams.map((stream) => stream.status),
        [...Array<number>(8).fill(200), 429],
      );
    } finally {
      controller.abort();
    }
    // Closed streams free their places.
    const again = new AbortController();
    await eventually('a place frees up', async () => (await openStream(key, again)).status === 200);
    again.abort();
  });

  test('a display key opens nothing but the display', async () => {
    const key = await displayKey();
    assert.equal((await call('GET', '/v1/orders', key)).status, 401);
    assert.equal((await call('GET', '/v1/customers/me', key)).status, 401);
    assert.equal((await call('POST', '/v1/displays', key)).status, 401);
  });

  test('customers cannot see the display, nor make display keys', async () => {
    assert.equal((await call('GET', '/v1/pickup', customer)).status, 403);
    assert.equal((await call('GET', '/v1/pickup', undefined)).status, 401);
    assert.equal((await call('POST', '/v1/displays', customer)).status, 403);
  });

  test('revoking stops every display key made so far; new ones work', async () => {
    const old = await displayKey();
    assert.equal((await call('GET', '/v1/pickup', old)).status, 200);
    assert.equal((await call('DELETE', '/v1/displays', admin)).status, 204);
    const refused = await call('GET', '/v1/pickup', old);
    assert.equal(refused.status, 401);
    assert.match(String(refused.body.detail), /revoked/);
    const stream = await openStream(old, new AbortController());
    assert.equal(stream.status, 401);
    const fresh = await displayKey();
    assert.equal((await call('GET', '/v1/pickup', fresh)).status, 200);
  });

  test('display keys fail closed when Valkey has lost their generation', async () => {
    // A key made on a fresh Valkey, then revoked.
    await stack.orderDeps.valkey.del('display-keys:generation');
    const old = await displayKey();
    assert.equal((await call('DELETE', '/v1/displays', admin)).status, 204);
    // A replaced Valkey pod without its data: the generation, and that it was revoked, are gone.
    await stack.orderDeps.valkey.del('display-keys:generation');
    const refused = await call('GET', '/v1/pickup', old);
    assert.equal(refused.status, 401);
    const fresh = await displayKey();
    assert.equal((await call('GET', '/v1/pickup', fresh)).status, 200);
    assert.equal((await call('GET', '/v1/pickup', old)).status, 401);
  });
});
