// The order journey through the public REST API, against real services and servers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { callUnary } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { eventually, stack as testStack } from '@everything/test-support';
import { createValkey, valkeyReady } from '@everything/valkey';
import { openApiContract } from './openapi-contract.ts';
import { serverTestStack } from './testing.ts';

interface MenuItem {
  id: string;
  name: string;
  available: boolean;
  optionGroups: { name: string; options: { id: string; name: string }[] }[];
}
interface Order {
  id: string;
  status: string;
  statusReason?: string;
  totalCents: number;
  queuePosition?: number;
  estimatedReadyAt?: string;
  items: { name: string; quantity: number; unitPriceCents: number }[];
}

describe('the order journey through the REST API', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let menu: MenuItem[];
  let barista: string;
  let contract: Awaited<ReturnType<typeof openApiContract>>;

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
  const call = async <Body = unknown>(options: InjectOptions & { token?: string }) => {
    const { token, ...rest } = options;
    const response = await app.inject({
      ...rest,
      headers: { ...rest.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = (response.body ? response.json<Body>() : undefined) as Body;
    const method = rest.method ?? 'GET';
    assert.deepEqual(
      contract(
        method,
        typeof rest.url === 'string' ? rest.url : (rest.url?.pathname ?? ''),
        response.statusCode,
        body,
      ),
      [],
      'the response matches the OpenAPI document',
    );
    return { status: response.statusCode, headers: response.headers, body };
  };
  const register = async (name = 'Ada') => {
    const response = await call<{ accessToken: string; refreshToken: string }>({
      method: 'POST',
      url: '/v1/auth/register',
      payload: {
        email: `${name.toLowerCase()}-${randomUUID()}@example.com`,
        password: 'correct horse',
        displayName: name,
      },
    });
    assert.equal(response.status, 201);
    return response.body;
  };
  const item = (name: string) => {
    const found = menu.find((entry) => entry.name === name);
    assert.ok(found);
    return found;
  };
  const placeLatte = (token: string, key: string = randomUUID(), quantity = 1) =>
    call<Order>({
      method: 'POST',
      url: '/v1/orders',
      token,
      headers: { 'idempotency-key': key },
      payload: { items: [{ menuItemId: item('Caffè latte').id, quantity }] },
    });

  const forgetIdempotencyKeysInValkey = async () => {
    const raw = createValkey(testStack.valkeyUrl, '', createLogger('test', 'silent'));
    await valkeyReady(raw);
    const keys = await raw.keys(`${stack.orderDeps.keyPrefix}idempotency:*`);
    if (keys.length > 0) await raw.del(...keys);
    raw.disconnect();
  };

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    contract = await openApiContract(app);
    menu = (await call<{ items: MenuItem[] }>({ method: 'GET', url: '/v1/menu' })).body.items;
    // The bootstrap admin makes a barista, as an operator would.
    const adminEmail = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email: adminEmail, password: 'admin password' },
      5_000,
    );
    const admin = await call<{ accessToken: string }>({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: adminEmail, password: 'admin password' },
    });
    const baristaAccount = await register('Bea');
    const me = await call<{ id: string }>({
      method: 'GET',
      url: '/v1/customers/me',
      token: baristaAccount.accessToken,
    });
    const promoted = await call({
      method: 'PUT',
      url: `/v1/customers/${me.body.id}/role`,
      token: admin.body.accessToken,
      payload: { role: 'barista' },
    });
    assert.equal(promoted.status, 200);
    const refreshed = await call<{ accessToken: string }>({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: baristaAccount.refreshToken },
    });
    barista = refreshed.body.accessToken;
  });
  after(() => stack.close());

  test('register, order, accept, ready, pick up: the tab and the history follow', async () => {
    const ada = await register();
    const placed = await placeLatte(ada.accessToken, randomUUID(), 2);
    assert.equal(placed.status, 201);
    assert.equal(placed.headers.location, `/v1/orders/${placed.body.id}`);
    assert.equal(placed.body.status, 'placed');
    assert.equal(placed.body.totalCents, 800);
    assert.equal(typeof placed.body.queuePosition, 'number');
    assert.ok(placed.body.estimatedReadyAt);

    const queue = await call<{ orders: Order[] }>({
      method: 'GET',
      url: '/v1/orders?status=placed,accepted',
      token: barista,
    });
    assert.ok(queue.body.orders.some((order) => order.id === placed.body.id));
    // No filter is no status parameter; an empty one is refused, naming it.
    const emptyStatus = await call<{ errors?: { field: string }[] }>({
      method: 'GET',
      url: '/v1/orders?status=',
      token: barista,
    });
    assert.equal(emptyStatus.status, 400);
    assert.match(JSON.stringify(emptyStatus.body.errors), /status/);

    for (const [action, token, status] of [
      ['accept', barista, 'accepted'],
      ['ready', barista, 'ready'],
      ['pickup', ada.accessToken, 'completed'],
    ] as const) {
      const response = await call<Order>({
        method: 'POST',
        url: `/v1/orders/${placed.body.id}/${action}`,
        token,
      });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.status, status);
    }
    const me = await call<{ tabBalanceCents: number }>({
      method: 'GET',
      url: '/v1/customers/me',
      token: ada.accessToken,
    });
    assert.equal(me.body.tabBalanceCents, 800);

    // The completed event travels outbox → Kafka → the customer service's consumer.
    interface Profile {
      loyaltyPoints: number;
      stats: { ordersCompleted: number; totalSpentCents: number; favoriteMenuItemId?: string };
    }
    const profile = async () =>
      (await call<Profile>({ method: 'GET', url: '/v1/customers/me', token: ada.accessToken }))
        .body;
    await eventually(
      'stats follow the completed order',
      async () => (await profile()).stats.ordersCompleted === 1,
    );
    const updated = await profile();
    assert.equal(updated.loyaltyPoints, 8);
    assert.equal(updated.stats.totalSpentCents, 800);
    assert.equal(updated.stats.favoriteMenuItemId, item('Caffè latte').id);
    const history = await call<{ orders: Order[] }>({
      method: 'GET',
      url: '/v1/orders',
      token: ada.accessToken,
    });
    assert.deepEqual(
      history.body.orders.map((order) => [order.id, order.status]),
      [[placed.body.id, 'completed']],
    );
  });

  test('cancelling before acceptance refunds the tab; acting in the wrong state is a 409 with the current state', async () => {
    const ada = await register();
    const placed = await placeLatte(ada.accessToken);
    await eventually(
      'the tab is charged',
      async () =>
        (
          await call<{ tabBalanceCents: number }>({
            method: 'GET',
            url: '/v1/customers/me',
            token: ada.accessToken,
          })
        ).body.tabBalanceCents === 400,
    );
    const early = await call<{ type: string; currentStatus: string }>({
      method: 'POST',
      url: `/v1/orders/${placed.body.id}/ready`,
      token: barista,
    });
    assert.equal(early.status, 409);
    assert.deepEqual(
      [early.body.type, early.body.currentStatus],
      ['/problems/invalid-transition', 'placed'],
    );

    const cancelled = await call<Order>({
      method: 'POST',
      url: `/v1/orders/${placed.body.id}/cancel`,
      token: ada.accessToken,
      payload: { reason: 'running late' },
    });
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.statusReason, 'running late');
    await eventually(
      'the tab is refunded',
      async () =>
        (
          await call<{ tabBalanceCents: number }>({
            method: 'GET',
            url: '/v1/customers/me',
            token: ada.accessToken,
          })
        ).body.tabBalanceCents === 0,
    );
    const again = await call<{ currentStatus: string }>({
      method: 'POST',
      url: `/v1/orders/${placed.body.id}/accept`,
      token: barista,
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.currentStatus, 'cancelled');
  });

  test('20 concurrent requests with one Idempotency-Key create one order', async () => {
    const ada = await register();
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => placeLatte(ada.accessToken, key)),
    );
    assert.ok(
      responses.every((response) => response.status === 201),
      JSON.stringify(responses.map((response) => response.status)),
    );
    assert.equal(new Set(responses.map((response) => response.body.id)).size, 1);
    const history = await call<{ orders: Order[] }>({
      method: 'GET',
      url: '/v1/orders',
      token: ada.accessToken,
    });
    assert.equal(history.body.orders.length, 1);
  });

  test('the same Idempotency-Key with another body is a 422; no key is a 400', async () => {
    const ada = await register();
    const key = randomUUID();
    assert.equal((await placeLatte(ada.accessToken, key, 1)).status, 201);
    const reused = await placeLatte(ada.accessToken, key, 2);
    assert.equal(reused.status, 422);
    assert.equal(
      (reused.body as unknown as { type: string }).type,
      '/problems/idempotency-key-reused',
    );
    const missing = await call<{ type: string }>({
      method: 'POST',
      url: '/v1/orders',
      token: ada.accessToken,
      payload: { items: [{ menuItemId: item('Espresso').id, quantity: 1 }] },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.type, '/problems/idempotency-key-required');
  });

  test('after Valkey loses an Idempotency-Key, a retry with it returns the same order, charged once', async () => {
    const ada = await register();
    const key = randomUUID();
    const first = await placeLatte(ada.accessToken, key);
    assert.equal(first.status, 201);
    // A replaced Valkey pod starts empty: every key the server remembered there is gone.
    await forgetIdempotencyKeysInValkey();
    const retried = await placeLatte(ada.accessToken, key);
    assert.equal(retried.status, 201);
    assert.equal(retried.body.id, first.body.id);
    const history = await call<{ orders: Order[] }>({
      method: 'GET',
      url: '/v1/orders',
      token: ada.accessToken,
    });
    assert.deepEqual(
      history.body.orders.map((order) => order.id),
      [first.body.id],
    );
    await eventually('the charge reaches the tab', async () => {
      const me = await call<{ tabBalanceCents: number }>({
        method: 'GET',
        url: '/v1/customers/me',
        token: ada.accessToken,
      });
      return me.body.tabBalanceCents === first.body.totalCents;
    });
    // And the same key for another order is still refused, by the order database this time.
    await forgetIdempotencyKeysInValkey();
    const reused = await placeLatte(ada.accessToken, key, 2);
    assert.equal(reused.status, 422);
  });

  test('with Valkey down, an Idempotency-Key still places one order: the order database decides', async () => {
    const ada = await register();
    const unreachable = createValkey(
      'redis://127.0.0.1:1',
      'test:',
      createLogger('test', 'silent'),
    );
    const withoutValkey = await stack.build({ valkey: unreachable });
    const key = randomUUID();
    const place = (quantity: number) =>
      withoutValkey.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { authorization: `Bearer ${ada.accessToken}`, 'idempotency-key': key },
        payload: { items: [{ menuItemId: item('Caffè latte').id, quantity }] },
      });
    try {
      const first = await place(1);
      const retried = await place(1);
      const reused = await place(2);
      assert.equal(first.statusCode, 201);
      assert.equal(retried.statusCode, 201);
      assert.equal(retried.json<Order>().id, first.json<Order>().id);
      assert.equal(reused.statusCode, 422);
    } finally {
      unreachable.disconnect();
    }
  });

  test('a barista action retried with its Idempotency-Key gets the first answer, not a 409', async () => {
    const ada = await register();
    const act = (id: string, action: string, token: string, key?: string) =>
      call<Order & { type?: string }>({
        method: 'POST',
        url: `/v1/orders/${id}/${action}`,
        token,
        ...(key ? { headers: { 'idempotency-key': key } } : {}),
      });
    const placed = (await placeLatte(ada.accessToken)).body;
    for (const action of ['accept', 'ready', 'pickup']) {
      const key = randomUUID();
      const first = await act(placed.id, action, barista, key);
      assert.equal(first.status, 200, `${action}: ${JSON.stringify(first.body)}`);
      // The answer was lost; the tablet retries with the same key.
      const retried = await act(placed.id, action, barista, key);
      assert.equal(retried.status, 200, `${action} retried: ${JSON.stringify(retried.body)}`);
      assert.equal(retried.body.id, placed.id);
    }
    // A new key is a new request, refused as before.
    assert.equal((await act(placed.id, 'pickup', barista, randomUUID())).status, 409);

    const cancelled = (await placeLatte(ada.accessToken)).body;
    const key = randomUUID();
    assert.equal((await act(cancelled.id, 'cancel', ada.accessToken, key)).status, 200);
    const again = await act(cancelled.id, 'cancel', ada.accessToken, key);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'cancelled');

    const declined = (await placeLatte(ada.accessToken)).body;
    const declineKey = randomUUID();
    assert.equal((await act(declined.id, 'decline', barista, declineKey)).status, 200);
    const declinedAgain = await act(declined.id, 'decline', barista, declineKey);
    assert.equal(declinedAgain.status, 200, JSON.stringify(declinedAgain.body));
    assert.equal(declinedAgain.body.status, 'cancelled');
    assert.equal((await act(declined.id, 'decline', barista, randomUUID())).status, 409);
  });

  test('no token is 401, a customer acting as barista is 403, someone else’s order is 404', async () => {
    const ada = await register();
    const eve = await register('Eve');
    const placed = await placeLatte(ada.accessToken);
    assert.equal((await call({ method: 'GET', url: '/v1/customers/me' })).status, 401);
    assert.equal(
      (await call({ method: 'POST', url: '/v1/orders', payload: { items: [] } })).status,
      401,
    );
    const forbidden = await call<{ type: string }>({
      method: 'POST',
      url: `/v1/orders/${placed.body.id}/accept`,
      token: ada.accessToken,
    });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.type, '/problems/forbidden');
    assert.equal(
      (await call({ method: 'GET', url: `/v1/orders/${placed.body.id}`, token: eve.accessToken }))
        .status,
      404,
    );
    assert.equal(
      (
        await call({
          method: 'POST',
          url: `/v1/orders/${placed.body.id}/cancel`,
          token: eve.accessToken,
        })
      ).status,
      404,
    );
    assert.equal(
      (await call({ method: 'GET', url: '/v1/orders?status=placed', token: ada.accessToken }))
        .status,
      403,
    );
    assert.equal(
      (
        await call({
          method: 'PUT',
          url: `/v1/customers/${randomUUID()}/role`,
          token: barista,
          payload: { role: 'admin' },
        })
      ).status,
      403,
    );
  });

  test('a malformed body is a 400 naming every bad field', async () => {
    const ada = await register();
    const response = await call<{ type: string; errors: { field: string }[] }>({
      method: 'POST',
      url: '/v1/orders',
      token: ada.accessToken,
      headers: { 'idempotency-key': randomUUID() },
      payload: { items: [{ menuItemId: 'not-a-uuid', quantity: 0 }] },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.type, '/problems/validation-failed');
    const fields = response.body.errors.map((error) => error.field);
    assert.ok(
      fields.includes('items[0].menuItemId') || fields.includes('items[0].quantity'),
      JSON.stringify(fields),
    );
    const register400 = await call<{ errors: { field: string }[] }>({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'x@example.com' },
    });
    assert.equal(register400.status, 400);
    assert.ok(
      register400.body.errors.some((error) => error.field === 'password'),
      JSON.stringify(register400.body),
    );
  });

  test('an unavailable item is a 422 naming it', async () => {
    const ada = await register();
    await stack.orderDeps.pool.query(
      "UPDATE menu_items SET available = false WHERE slug = 'mocha'",
    );
    await stack.order.catalog.invalidate();
    const response = await call<{ type: string; detail: string }>({
      method: 'POST',
      url: '/v1/orders',
      token: ada.accessToken,
      headers: { 'idempotency-key': randomUUID() },
      payload: { items: [{ menuItemId: item('Mocha').id, quantity: 1 }] },
    });
    assert.equal(response.status, 422);
    assert.equal(response.body.type, '/problems/item-unavailable');
    assert.match(response.body.detail, /Mocha is unavailable/);
  });

  test('signing in with a wrong password is a 401 problem; the refresh token is not an access token', async () => {
    const ada = await register();
    const wrong = await call<{ type: string }>({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'wrong password' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.type, '/problems/invalid-credentials');
    assert.equal(
      (await call({ method: 'GET', url: '/v1/customers/me', token: ada.refreshToken })).status,
      401,
    );
  });

  test('favorites: save with options, the latest saved is the usual, order my usual, remove', async () => {
    const ada = await register();
    const latte = item('Caffè latte');
    const oat = latte.optionGroups
      .flatMap((group) => group.options)
      .find((option) => option.name === 'Oat milk');
    assert.ok(oat);
    const none = await call<{ type: string }>({
      method: 'POST',
      url: '/v1/orders/usual',
      token: ada.accessToken,
      headers: { 'idempotency-key': randomUUID() },
    });
    assert.equal(none.status, 422);
    assert.equal(none.body.type, '/problems/no-usual');

    await call({
      method: 'PUT',
      url: `/v1/customers/me/favorites/${item('Espresso').id}`,
      token: ada.accessToken,
    });
    const saved = await call<{
      favorites: { menuItemId: string; options: string[]; quantity: number }[];
    }>({
      method: 'PUT',
      url: `/v1/customers/me/favorites/${latte.id}`,
      token: ada.accessToken,
      payload: { options: [oat.id], quantity: 2 },
    });
    assert.equal(saved.status, 200);
    assert.deepEqual(
      saved.body.favorites.map((favorite) => [
        favorite.menuItemId,
        favorite.options,
        favorite.quantity,
      ]),
      [
        [latte.id, [oat.id], 2],
        [item('Espresso').id, [], 1],
      ],
    );

    // Cache-aside in Valkey: the saved list is what the usual is read from.
    const me = await call<{ id: string }>({
      method: 'GET',
      url: '/v1/customers/me',
      token: ada.accessToken,
    });
    assert.equal(await stack.orderDeps.valkey.exists(`favorites:v1:${me.body.id}`), 1);

    const key = randomUUID();
    const usual = await call<Order>({
      method: 'POST',
      url: '/v1/orders/usual',
      token: ada.accessToken,
      headers: { 'idempotency-key': key },
    });
    assert.equal(usual.status, 201);
    assert.deepEqual(
      usual.body.items.map((line) => [line.name, line.quantity, line.unitPriceCents]),
      [['Caffè latte', 2, 450]],
    );
    const again = await call<Order>({
      method: 'POST',
      url: '/v1/orders/usual',
      token: ada.accessToken,
      headers: { 'idempotency-key': key },
    });
    assert.equal(again.body.id, usual.body.id);

    assert.equal(
      (
        await call({
          method: 'DELETE',
          url: `/v1/customers/me/favorites/${latte.id}`,
          token: ada.accessToken,
        })
      ).status,
      204,
    );
    const left = await call<{ favorites: { menuItemId: string }[] }>({
      method: 'GET',
      url: '/v1/customers/me/favorites',
      token: ada.accessToken,
    });
    assert.deepEqual(
      left.body.favorites.map((favorite) => favorite.menuItemId),
      [item('Espresso').id],
    );
  });

  test('beyond its admission limit, placing answers 503 overloaded with Retry-After before any work, and the same keys place later', async () => {
    const limited = await stack.build({
      placementLimits: { concurrency: 1, queue: 1, maxWaitMs: 10_000 },
    });
    const customer = await register('Ola');
    const keys = Array.from({ length: 6 }, () => randomUUID());
    const place = (key: string) =>
      limited.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { authorization: `Bearer ${customer.accessToken}`, 'idempotency-key': key },
        payload: { items: [{ menuItemId: item('Caffè latte').id, quantity: 1 }] },
      });
    const answers = await Promise.all(keys.map(place));
    const statuses = answers.map((answer) => answer.statusCode).sort();
    // One placing, one waiting: the other four are refused at once.
    assert.deepEqual(statuses, [201, 201, 503, 503, 503, 503]);
    for (const refused of answers.filter((answer) => answer.statusCode === 503)) {
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(refused.json<{ type: string }>().type, '/problems/overloaded');
    }
    const history = async () =>
      (
        await call<{ orders: Order[] }>({
          method: 'GET',
          url: '/v1/orders',
          token: customer.accessToken,
        })
      ).body.orders;
    // Nothing was done for a refused request.
    assert.equal((await history()).length, 2);
    // Retried one at a time with the same keys, every order is placed, each once: a placed
    // key answers its order again.
    const ids = new Set<string>();
    for (const [index, key] of keys.entries()) {
      const retry = await place(key);
      assert.equal(retry.statusCode, 201);
      const first = answers[index];
      if (first?.statusCode === 201) assert.equal(retry.json<Order>().id, first.json<Order>().id);
      ids.add(retry.json<Order>().id);
    }
    assert.equal(ids.size, 6);
    assert.equal((await history()).length, 6);
  });

  test('rate limits answer 429 with Retry-After', async () => {
    const limited = await stack.build({ rateLimits: { perMinute: 10_000, authPerMinute: 2 } });
    const attempt = () =>
      limited.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: '198.51.100.7',
        payload: { email: 'a@example.com', password: 'wrong password' },
      });
    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push(await attempt());
    assert.deepEqual(
      statuses.map((response) => response.statusCode),
      [401, 401, 429],
    );
    const last = statuses[2];
    assert.ok(last?.headers['retry-after']);
    assert.equal(last.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  test('a URL that only looks like a stream is still rate limited: POST /v1/auth/login#/events', async () => {
    const limited = await stack.build({
      rateLimits: { perMinute: 10_000, authPerMinute: 2 },
      // Behind one proxy, which names a client address no other test uses.
      trustProxyHops: 1,
    });
    const base = new URL(await limited.listen({ host: '127.0.0.1', port: 0 }));
    // Sent raw: fetch and inject would drop the fragment before it reached the server.
    const attempt = () =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ email: 'a@example.com', password: 'wrong password' });
        const sent = httpRequest(
          {
            host: base.hostname,
            port: base.port,
            method: 'POST',
            path: '/v1/auth/login#/events',
            headers: {
              'content-type': 'application/json',
              'content-length': body.length,
              'x-forwarded-for': '198.51.100.8',
            },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        sent.on('error', reject);
        sent.end(body);
      });
    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push(await attempt());
    assert.deepEqual(statuses, [401, 401, 429]);
  });
});
