// Favorites and every other text a client sends, through the REST API against real services:
// what is not on the menu, too much, or not storable is a 4xx naming the field, never a 5xx.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { callUnary } from '@everything/grpc';
import { openApiContract } from './openapi-contract.ts';
import { serverTestStack } from './testing.ts';

interface MenuItem {
  id: string;
  name: string;
  optionGroups: { name: string; options: { id: string; name: string }[] }[];
}
interface Problem {
  type: string;
  errors?: { field: string; message: string }[];
}

describe('favorites and text fields through the REST API', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let contract: Awaited<ReturnType<typeof openApiContract>>;
  let menu: MenuItem[];
  let admin: string;

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
  const call = async <Body = Problem>(options: InjectOptions & { token?: string }) => {
    const { token, ...rest } = options;
    const response = await app.inject({
      ...rest,
      headers: { ...rest.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = (response.body ? response.json<Body>() : undefined) as Body;
    const url = typeof rest.url === 'string' ? rest.url : '';
    assert.deepEqual(contract(rest.method ?? 'GET', url, response.statusCode, body), []);
    return { status: response.statusCode, body };
  };
  const fields = (body: Problem) => (body.errors ?? []).map((error) => error.field);
  const register = async () =>
    (
      await call<{ accessToken: string }>({
        method: 'POST',
        url: '/v1/auth/register',
        payload: {
          email: `ada-${randomUUID()}@example.com`,
          password: 'correct horse',
          displayName: 'Ada',
        },
      })
    ).body.accessToken;
  const item = (name: string) => {
    const found = menu.find((entry) => entry.name === name);
    assert.ok(found);
    return found;
  };
  const option = (itemName: string, optionName: string) => {
    const found = item(itemName)
      .optionGroups.flatMap((group) => group.options)
      .find((entry) => entry.name === optionName);
    assert.ok(found);
    return found.id;
  };
  const save = (token: string, menuItemId: string, payload?: object) =>
    call<{ favorites: { menuItemId: string }[] } & Problem>({
      method: 'PUT',
      url: `/v1/customers/me/favorites/${menuItemId}`,
      token,
      ...(payload ? { payload } : {}),
    });

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    contract = await openApiContract(app);
    menu = (await call<{ items: MenuItem[] }>({ method: 'GET', url: '/v1/menu' })).body.items;
    const email = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email, password: 'admin password' },
      5_000,
    );
    admin = (
      await call<{ accessToken: string }>({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: 'admin password' },
      })
    ).body.accessToken;
  });
  after(() => stack.close());

  test('a favorite must be on the menu: an unknown item is a 404, an option of another drink a 422, each naming the field', async () => {
    const ada = await register();
    const unknown = await save(ada, randomUUID());
    assert.equal(unknown.status, 404);
    assert.deepEqual(fields(unknown.body), ['menuItemId']);

    const foreign = await save(ada, item('Espresso').id, {
      options: [option('Caffè latte', 'Oat milk')],
    });
    assert.equal(foreign.status, 422);
    assert.deepEqual(fields(foreign.body), ['options[0]']);

    const twoSizes = await save(ada, item('Caffè latte').id, {
      options: [option('Caffè latte', 'Small (240 ml)'), option('Caffè latte', 'Large (470 ml)')],
    });
    assert.equal(twoSizes.status, 422);
    assert.deepEqual(fields(twoSizes.body), ['options']);

    const favorites = await call<{ favorites: unknown[] }>({
      method: 'GET',
      url: '/v1/customers/me/favorites',
      token: ada,
    });
    assert.deepEqual(favorites.body.favorites, []);
    // Without a body, the item is saved with its defaults: the document says the body is optional.
    assert.equal((await save(ada, item('Espresso').id)).status, 200);
  });

  test('a customer keeps at most 20 favorites: the 21st is a 409', async () => {
    const ada = await register();
    for (let index = menu.length; index < 21; index++) {
      await callUnary(
        stack.menu,
        'createMenuItem',
        {
          name: `Tasting ${index}`,
          description: '',
          category: 'Tastings',
          priceCents: 300,
          available: true,
          optionGroupIds: [],
        },
        5_000,
      );
    }
    const items = (await call<{ items: MenuItem[] }>({ method: 'GET', url: '/v1/menu' })).body
      .items;
    for (const entry of items.slice(0, 20)) assert.equal((await save(ada, entry.id)).status, 200);
    const tooMany = await save(ada, items[20]?.id ?? '');
    assert.equal(tooMany.status, 409);
    assert.equal(tooMany.body.type, '/problems/too-many-favorites');
  });

  test('a NUL character in any text field is a 400 naming the field, never a 5xx', async () => {
    const ada = await register();
    const cases: [InjectOptions & { url: string; token?: string }, string][] = [
      [
        {
          method: 'POST',
          url: '/v1/auth/register',
          payload: {
            email: `nul-${randomUUID()}@example.com`,
            password: 'correct horse',
            displayName: 'A\u0000da',
          },
        },
        'displayName',
      ],
      [
        {
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: 'ada@example.com', password: 'correct\u0000horse' },
        },
        'password',
      ],
      [
        {
          method: 'PUT',
          url: `/v1/customers/me/favorites/${item('Espresso').id}`,
          token: ada,
          payload: { options: ['oat\u0000'] },
        },
        'options[0]',
      ],
      [
        {
          method: 'POST',
          url: `/v1/orders/${randomUUID()}/cancel`,
          token: ada,
          payload: { reason: 'late\u0000' },
        },
        'reason',
      ],
      [
        {
          method: 'POST',
          url: '/v1/menu/items',
          token: admin,
          payload: { name: 'Flat\u0000white', category: 'Espresso drinks', priceCents: 400 },
        },
        'name',
      ],
      [
        {
          method: 'PATCH',
          url: `/v1/menu/items/${item('Espresso').id}`,
          token: admin,
          payload: { description: 'short\u0000' },
        },
        'description',
      ],
    ];
    for (const [request, field] of cases) {
      const response = await call(request);
      assert.equal(response.status, 400, `${request.method ?? ''} ${request.url}`);
      assert.deepEqual(fields(response.body), [field]);
    }
  });
});
