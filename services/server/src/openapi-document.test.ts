import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { serverTestStack } from './testing.ts';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Record<string, unknown>;
  style?: string;
  explode?: boolean;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: SchemaObject }> };
  responses: Record<
    string,
    { content?: Record<string, unknown>; headers?: Record<string, { schema: object }> }
  >;
  security?: unknown[];
}
interface SchemaObject {
  properties?: Record<string, SchemaObject>;
  format?: string;
  pattern?: string;
}

let stack: Awaited<ReturnType<typeof serverTestStack>>;
let app: FastifyInstance;
let paths: Record<string, Record<string, Operation>>;

before(async () => {
  stack = await serverTestStack();
  app = await stack.build();
  paths = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: typeof paths;
  }>().paths;
});
after(() => stack.close());

const operation = (path: string, method: string) => {
  const found = paths[path]?.[method];
  assert.ok(found, `${method.toUpperCase()} ${path} is in the document`);
  return found;
};

test('every error is declared as application/problem+json, with the answers any route can give', () => {
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, { responses }] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400)
          assert.deepEqual(
            Object.keys(response.content ?? {}),
            ['application/problem+json'],
            `${method} ${path} ${status}`,
          );
      }
      assert.ok(responses['429'] && responses['503'], `${method} ${path} lists 429 and 503`);
    }
  }
  assert.ok(operation('/v1/orders', 'post').responses['401']);
  assert.equal(operation('/v1/menu', 'get').responses['401'], undefined);
});

test('Idempotency-Key is a required header of both ways to place an order, and is enforced', async () => {
  for (const path of ['/v1/orders', '/v1/orders/usual']) {
    const header = operation(path, 'post').parameters?.find(
      (parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key',
    );
    assert.equal(header?.required, true, path);
  }
  const { accessToken } = (
    await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: {
        email: `${randomUUID()}@example.com`,
        password: 'correct horse',
        displayName: 'Ada',
      },
    })
  ).json<{ accessToken: string }>();
  const missing = await app.inject({
    method: 'POST',
    url: '/v1/orders/usual',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json<{ type: string }>().type, '/problems/idempotency-key-required');
});

test('the menu declares its 304, the ETag and Cache-Control it answers with, and If-None-Match', () => {
  const menu = operation('/v1/menu', 'get');
  const ifNoneMatch = menu.parameters?.find((parameter) => parameter.name === 'if-none-match');
  assert.equal(ifNoneMatch?.in, 'header');
  assert.notEqual(ifNoneMatch.required, true);
  for (const status of ['200', '304']) {
    assert.deepEqual(Object.keys(menu.responses[status]?.headers ?? {}).sort(), [
      'cache-control',
      'etag',
    ]);
  }
  assert.equal(menu.responses['304']?.content, undefined, 'a 304 has no body');
});

test('the status filter lists its values, sent comma-separated; e-mail addresses have their format', () => {
  const status = operation('/v1/orders', 'get').parameters?.find(
    (parameter) => parameter.name === 'status',
  );
  assert.deepEqual(
    [status?.in, status?.style, status?.explode, status?.schema.type],
    ['query', 'form', false, 'array'],
  );
  assert.deepEqual((status?.schema.items as { enum: string[] }).enum, [
    'placed',
    'accepted',
    'ready',
    'completed',
    'cancelled',
    'expired',
  ]);
  for (const path of ['/v1/auth/register', '/v1/auth/login']) {
    const body = operation(path, 'post').requestBody?.content['application/json']?.schema;
    const email = body?.properties?.email ?? findProperty(body, 'email');
    assert.equal(email?.format, 'email', path);
  }
});

test('a body a route can go without is declared optional; every other body is required', () => {
  assert.equal(
    operation('/v1/customers/me/favorites/{menuItemId}', 'put').requestBody?.required,
    false,
  );
  assert.equal(operation('/v1/orders/{id}/cancel', 'post').requestBody?.required, false);
  assert.equal(operation('/v1/orders', 'post').requestBody?.required, true);
  assert.equal(operation('/v1/menu/items', 'post').requestBody?.required, true);
});

test('a method a known path does not have is a 405 problem with an Allow header, not a 404', async () => {
  for (const [method, url, allow] of [
    ['DELETE', '/v1/menu', 'GET, HEAD'],
    ['PUT', '/v1/orders', 'GET, HEAD, POST'],
    ['GET', `/v1/orders/${randomUUID()}/accept`, 'POST'],
    ['OPTIONS', '/v1/customers/me', 'GET, HEAD'],
    // A method with a body, sent without one: refused for its method, not for a missing type.
    ['QUERY', '/v1/orders/usual', 'POST'],
  ] as const) {
    const response = await app.inject({ method, url });
    assert.equal(response.statusCode, 405, `${method} ${url}`);
    assert.equal(response.headers.allow, allow, `${method} ${url}`);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(response.json<{ type: string }>().type, '/problems/method-not-allowed');
  }
  assert.equal((await app.inject({ method: 'GET', url: '/v1/nowhere' })).statusCode, 404);
});

function findProperty(schema: unknown, name: string): SchemaObject | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const properties = (schema as SchemaObject).properties;
  if (properties?.[name]) return properties[name];
  return Object.values(schema as Record<string, unknown>)
    .flatMap((value: unknown) => (Array.isArray(value) ? (value as unknown[]) : [value]))
    .map((value) => findProperty(value, name))
    .find((found) => found !== undefined);
}

test('a JSON body is taken as sent: a boolean for text, or text for a boolean, is a 400 naming the field', async () => {
  const register = (payload: object) =>
    app.inject({ method: 'POST', url: '/v1/auth/register', payload });
  const wrongType = await register({
    email: `${randomUUID()}@example.com`,
    password: 'correct horse',
    displayName: false,
  });
  assert.equal(wrongType.statusCode, 400);
  assert.deepEqual(
    wrongType.json<{ errors: { field: string }[] }>().errors.map((error) => error.field),
    ['displayName'],
  );
  // The query string is text: there a number is still read from it.
  const limited = await app.inject({
    method: 'GET',
    url: '/v1/orders?limit=5',
    headers: {
      authorization: `Bearer ${
        (
          await register({
            email: `${randomUUID()}@example.com`,
            password: 'correct horse',
            displayName: 'Ada',
          })
        ).json<{ accessToken: string }>().accessToken
      }`,
    },
  });
  assert.equal(limited.statusCode, 200);
});

test('a "__proto__" key in a body is dropped like any unknown field, not a reason to refuse the body', async () => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    headers: { 'content-type': 'application/json' },
    payload: `{"email": "${randomUUID()}@example.com", "password": "correct horse", "displayName": "Ada", "extra": {"__proto__": {"role": "admin"}}}`,
  });
  assert.equal(response.statusCode, 201);
});
