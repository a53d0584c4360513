import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { callUnary } from '@everything/grpc';
import { serverTestStack } from './testing.ts';

interface MenuItem {
  id: string;
  name: string;
  priceCents: number;
  available: boolean;
  optionGroups: { id: string; name: string }[];
}

describe('menu admin through the REST API', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let admin: string;
  let customer: string;

  const call = async (options: InjectOptions & { token?: string }) => {
    const { token, ...rest } = options;
    const response = await app.inject({
      ...rest,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.statusCode,
      body: response.body ? response.json<unknown>() : undefined,
    };
  };
  const menu = async () =>
    ((await call({ method: 'GET', url: '/v1/menu' })).body as { items: MenuItem[] }).items;

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    const email = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email, password: 'admin password' },
      5_000,
    );
    admin = (
      (
        await call({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email, password: 'admin password' },
        })
      ).body as { accessToken: string }
    ).accessToken;
    customer = (
      (
        await call({
          method: 'POST',
          url: '/v1/auth/register',
          payload: {
            email: `${randomUUID()}@example.com`,
            password: 'correct horse',
            displayName: 'Ada',
          },
        })
      ).body as { accessToken: string }
    ).accessToken;
  });
  after(() => stack.close());

  test('an admin adds an item, changes its price and availability, and removes it; the menu follows at once', async () => {
    const before = await menu();
    const sizeGroup = before
      .find((item) => item.name === 'Caffè latte')
      ?.optionGroups.find((group) => group.name === 'Size');
    assert.ok(sizeGroup);
    const created = await call({
      method: 'POST',
      url: '/v1/menu/items',
      token: admin,
      payload: {
        name: 'Cortado doppio',
        category: 'Espresso drinks',
        priceCents: 420,
        optionGroupIds: [sizeGroup.id],
      },
    });
    assert.equal(created.status, 201);
    const item = created.body as MenuItem;
    assert.deepEqual(
      item.optionGroups.map((group) => group.name),
      ['Size'],
    );
    assert.equal((await menu()).find((entry) => entry.id === item.id)?.priceCents, 420);

    const changed = await call({
      method: 'PATCH',
      url: `/v1/menu/items/${item.id}`,
      token: admin,
      payload: { priceCents: 450, available: false },
    });
    assert.equal(changed.status, 200);
    const listed = (await menu()).find((entry) => entry.id === item.id);
    assert.deepEqual([listed?.priceCents, listed?.available], [450, false]);

    assert.equal(
      (await call({ method: 'DELETE', url: `/v1/menu/items/${item.id}`, token: admin })).status,
      204,
    );
    assert.equal(
      (await menu()).some((entry) => entry.id === item.id),
      false,
    );
    assert.equal(
      (await call({ method: 'DELETE', url: `/v1/menu/items/${item.id}`, token: admin })).status,
      404,
    );
  });

  test('a customer cannot change the menu; bad fields are named; a taken name is a 409', async () => {
    const [first] = await menu();
    assert.ok(first);
    assert.equal(
      (
        await call({
          method: 'PATCH',
          url: `/v1/menu/items/${first.id}`,
          token: customer,
          payload: { priceCents: 1 },
        })
      ).status,
      403,
    );
    const bad = await call({
      method: 'POST',
      url: '/v1/menu/items',
      token: admin,
      payload: { name: '', category: 'Tea', priceCents: -5 },
    });
    assert.equal(bad.status, 400);
    const fields = (bad.body as { errors: { field: string }[] }).errors.map((error) => error.field);
    assert.ok(fields.includes('name') || fields.includes('priceCents'), JSON.stringify(fields));
    const taken = await call({
      method: 'POST',
      url: '/v1/menu/items',
      token: admin,
      payload: { name: first.name, category: 'Tea', priceCents: 100 },
    });
    assert.equal(taken.status, 409);
    assert.equal(
      (await menu()).find((entry) => entry.id === first.id)?.priceCents,
      first.priceCents,
    );
  });

  test('a price some option would take below zero is a 422, an option group listed twice a 400, each naming the field', async () => {
    const latte = (await menu()).find((item) => item.name === 'Caffè latte');
    assert.ok(latte);
    const cheap = await call({
      method: 'PATCH',
      url: `/v1/menu/items/${latte.id}`,
      token: admin,
      payload: { priceCents: 10 },
    });
    assert.equal(cheap.status, 422);
    assert.deepEqual(
      (cheap.body as { errors: { field: string }[] }).errors.map((error) => error.field),
      ['priceCents'],
    );
    const [size] = latte.optionGroups;
    assert.ok(size);
    const twice = await call({
      method: 'PATCH',
      url: `/v1/menu/items/${latte.id}`,
      token: admin,
      payload: { optionGroupIds: [size.id, size.id] },
    });
    assert.equal(twice.status, 400);
    assert.match(
      (twice.body as { errors: { field: string }[] }).errors.map((error) => error.field).join(),
      /^optionGroupIds/,
    );
    const unchanged = (await menu()).find((item) => item.id === latte.id);
    assert.ok(unchanged);
    assert.equal(unchanged.priceCents, latte.priceCents);
    assert.equal(unchanged.optionGroups.length, latte.optionGroups.length);
  });
});
