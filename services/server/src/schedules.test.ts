// Scheduled orders through the REST API: the routes the issue fixes, their problem+json
// errors and role rules, against a real order service, Temporal and customer service.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { callUnary } from '@everything/grpc';
import { serverTestStack } from './testing.ts';

interface Reply {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

describe('scheduled orders over REST', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let admin: string;
  let customer: string;
  let latteId: string;

  const call = async (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    token: string | undefined,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const response = await app.inject({
      method,
      url,
      payload: payload as Record<string, unknown> | undefined,
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return {
      status: response.statusCode,
      contentType: response.headers['content-type'] ?? '',
      body: response.body ? response.json<Record<string, unknown>>() : {},
    };
  };
  const register = async (name: string) =>
    (
      await call('POST', '/v1/auth/register', undefined, {
        email: `${name.toLowerCase()}-${randomUUID()}@example.com`,
        password: 'a long password',
        displayName: name,
      })
    ).body.accessToken as string;
  const inSixHours = () => {
    const time = new Date(Date.now() + 6 * 3_600_000).toLocaleTimeString('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
    });
    return {
      items: [{ menuItemId: latteId, quantity: 1 }],
      timeZone: 'Europe/Berlin',
      time,
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    };
  };

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    const adminEmail = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email: adminEmail, password: 'admin password' },
      5_000,
    );
    admin = (
      await call('POST', '/v1/auth/login', undefined, {
        email: adminEmail,
        password: 'admin password',
      })
    ).body.accessToken as string;
    customer = await register('Ada');
    const menu = (await call('GET', '/v1/menu', undefined)).body.items as {
      id: string;
      name: string;
    }[];
    latteId = menu.find((item) => item.name === 'Caffè latte')?.id ?? '';
  });
  after(async () => {
    await stack.close();
  });

  test('POST /v1/schedules makes a repeating schedule: 201 with its next run at the local time', async () => {
    const body = inSixHours();
    const created = await call('POST', '/v1/schedules', customer, body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id, nextRunAt, nextPlaceAt, kind, time, days, paused } = created.body as Record<
      string,
      string
    >;
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(kind, 'repeating');
    assert.equal(time, body.time);
    assert.deepEqual(days, body.days);
    assert.equal(paused, false);
    assert.ok(nextRunAt && nextPlaceAt);
    assert.equal(
      new Date(nextRunAt).toLocaleTimeString('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }),
      body.time,
    );
    assert.ok(new Date(nextPlaceAt) < new Date(nextRunAt), 'placed before it is wanted');

    const listed = await call('GET', '/v1/schedules', customer);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.body.schedules as { id: string }[]).map((schedule) => schedule.id),
      [id],
    );
    assert.equal((await call('DELETE', `/v1/schedules/${id}`, customer)).status, 204);
  });

  test('pause, resume, skip-next and runs', async () => {
    const { id, nextRunAt } = (await call('POST', '/v1/schedules', customer, inSixHours()))
      .body as { id: string; nextRunAt: string };
    const paused = await call('POST', `/v1/schedules/${id}/pause`, customer);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.nextRunAt, null);
    const resumed = await call('POST', `/v1/schedules/${id}/resume`, customer);
    assert.equal(resumed.body.paused, false);
    assert.equal(resumed.body.nextRunAt, nextRunAt);

    const skipped = await call('POST', `/v1/schedules/${id}/skip-next`, customer);
    assert.equal(skipped.status, 200);
    const following = new Date(skipped.body.nextRunAt as string).getTime();
    // A day later, give or take a daylight-saving hour.
    assert.ok(Math.abs(following - new Date(nextRunAt).getTime() - 86_400_000) <= 3_600_000);

    const runs = await call('GET', `/v1/schedules/${id}/runs`, customer);
    assert.equal(runs.status, 200);
    assert.deepEqual(
      (runs.body.runs as Record<string, unknown>[]).map(({ dueAt, outcome, reason }) => ({
        dueAt,
        outcome,
        reason,
      })),
      [{ dueAt: nextRunAt, outcome: 'skipped', reason: 'skipped by the customer' }],
    );

    assert.equal((await call('DELETE', `/v1/schedules/${id}`, customer)).status, 204);
    const gone = await call('POST', `/v1/schedules/${id}/pause`, customer);
    assert.equal(gone.status, 404);
    assert.match(gone.contentType, /^application\/problem\+json/);
  });

  test('a one-off less than a minute away is placed at once; its order carries scheduleId', async () => {
    const created = await call('POST', '/v1/schedules', customer, {
      items: [{ menuItemId: latteId, quantity: 1 }],
      timeZone: 'Europe/Berlin',
      at: new Date(Date.now() + 20_000).toISOString(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.kind, 'one-off');
    assert.equal(created.body.nextRunAt, null);
    const orderId = created.body.placedOrderId as string;
    const order = await call('GET', `/v1/orders/${orderId}`, customer);
    assert.equal(order.status, 200);
    assert.equal(order.body.scheduleId, created.body.id);
    const runs = await call('GET', `/v1/schedules/${created.body.id as string}/runs`, customer);
    assert.deepEqual(
      (runs.body.runs as Record<string, unknown>[]).map(({ outcome, orderId: placed }) => ({
        outcome,
        placed,
      })),
      [{ outcome: 'placed', placed: orderId }],
    );
  });

  test('the same Idempotency-Key makes one schedule and places one order, however often it is sent', async () => {
    const body = {
      items: [{ menuItemId: latteId, quantity: 1 }],
      timeZone: 'Europe/Berlin',
      at: new Date(Date.now() + 20_000).toISOString(),
    };
    const key = { 'idempotency-key': randomUUID() };
    const concurrent = await Promise.all([
      call('POST', '/v1/schedules', customer, body, key),
      call('POST', '/v1/schedules', customer, body, key),
    ]);
    const retried = await call('POST', '/v1/schedules', customer, body, key);
    const answers = [...concurrent, retried];
    for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 1);
    // A concurrent twin may answer while the first is still placing: it names no order yet.
    const placed = new Set(answers.flatMap((answer) => answer.body.placedOrderId ?? []));
    assert.deepEqual([...placed], [retried.body.placedOrderId]);
    const listed = (await call('GET', '/v1/schedules', customer)).body.schedules as {
      id: string;
    }[];
    assert.equal(listed.filter((schedule) => schedule.id === retried.body.id).length, 1);
    const history = (await call('GET', '/v1/orders', customer)).body.orders as {
      scheduleId?: string;
    }[];
    assert.equal(history.filter((order) => order.scheduleId === retried.body.id).length, 1);
    // Without a key, or with another, the same body is another schedule.
    const other = await call('POST', '/v1/schedules', customer, body, {
      'idempotency-key': randomUUID(),
    });
    assert.notEqual(other.body.id, retried.body.id);
  });

  test('one schedule more than twenty still to run is a 409 problem', async () => {
    const busy = await register('Busy');
    const made = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/v1/schedules', busy, inSixHours())),
    );
    assert.deepEqual(
      made.map((answer) => answer.status),
      made.map(() => 201),
    );
    const refused = await call('POST', '/v1/schedules', busy, inSixHours());
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.match(String(refused.body.type), /too-many-schedules$/);
    for (const answer of made)
      await call('DELETE', `/v1/schedules/${answer.body.id as string}`, busy);
  });

  test('bad requests are problem+json naming the field: 400 when the document rules them out, 422 when it cannot', async () => {
    const cases: [Record<string, unknown>, string, number][] = [
      [{ ...inSixHours(), time: '25:00' }, 'time', 400],
      [{ ...inSixHours(), days: ['someday'] }, 'days[0]', 400],
      [
        { items: [{ menuItemId: latteId, quantity: 1 }], timeZone: 'UTC', at: 'tomorrow' },
        'at',
        400,
      ],
      [{ ...inSixHours(), timeZone: 'Nowhere/Special' }, 'timeZone', 422],
      [
        { items: [{ menuItemId: latteId, quantity: 1 }], timeZone: 'UTC', time: '07:30' },
        'days',
        422,
      ],
      [{ ...inSixHours(), at: new Date(Date.now() + 3_600_000).toISOString() }, 'at', 422],
      [
        {
          items: [{ menuItemId: latteId, quantity: 1 }],
          timeZone: 'UTC',
          at: '2000-01-01T00:00:00Z',
        },
        'at',
        422,
      ],
      [
        { ...inSixHours(), items: [{ menuItemId: randomUUID(), quantity: 1 }] },
        'items[0].menuItemId',
        422,
      ],
    ];
    for (const [body, field, status] of cases) {
      const refused = await call('POST', '/v1/schedules', customer, body);
      assert.equal(refused.status, status, `${field}: ${JSON.stringify(refused.body)}`);
      assert.match(refused.contentType, /^application\/problem\+json/);
      const errors = refused.body.errors as { field: string }[];
      assert.ok(
        errors.some((error) => error.field === field),
        `${field} named in ${JSON.stringify(errors)}`,
      );
    }
  });

  test('schedules are their customer’s own: others get 404, strangers 401', async () => {
    const { id } = (await call('POST', '/v1/schedules', customer, inSixHours())).body as {
      id: string;
    };
    const other = await register('Eve');
    for (const [method, path] of [
      ['POST', 'pause'],
      ['POST', 'resume'],
      ['POST', 'skip-next'],
      ['GET', 'runs'],
    ] as const) {
      const refused = await call(method, `/v1/schedules/${id}/${path}`, other);
      assert.equal(refused.status, 404, path);
      assert.match(refused.contentType, /^application\/problem\+json/);
    }
    assert.equal((await call('DELETE', `/v1/schedules/${id}`, other)).status, 404);
    assert.deepEqual((await call('GET', '/v1/schedules', other)).body.schedules, []);
    const anonymous = await call('GET', '/v1/schedules', undefined);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.contentType, /^application\/problem\+json/);
    await call('DELETE', `/v1/schedules/${id}`, customer);
  });

  test('the barista sees the next hour’s scheduled orders with names; a customer may not', async () => {
    const { id } = (
      await call('POST', '/v1/schedules', customer, {
        items: [{ menuItemId: latteId, quantity: 2 }],
        timeZone: 'Europe/Berlin',
        at: new Date(Date.now() + 40 * 60_000).toISOString(),
      })
    ).body as { id: string };
    const upcoming = await call('GET', '/v1/schedules/upcoming', admin);
    assert.equal(upcoming.status, 200);
    const run = (upcoming.body.runs as Record<string, unknown>[]).find(
      (found) => found.scheduleId === id,
    );
    assert.ok(run);
    assert.equal(run.customerName, 'Ada');
    assert.deepEqual(run.items, [{ menuItemId: latteId, name: 'Caffè latte', quantity: 2 }]);
    const refused = await call('GET', '/v1/schedules/upcoming', customer);
    assert.equal(refused.status, 403);
    assert.match(refused.contentType, /^application\/problem\+json/);
    await call('DELETE', `/v1/schedules/${id}`, customer);
  });

  test('the OpenAPI document describes every schedule route', async () => {
    const paths = (await call('GET', '/openapi.json', undefined)).body.paths as Record<
      string,
      Record<string, unknown>
    >;
    for (const [path, method] of [
      ['/v1/schedules', 'post'],
      ['/v1/schedules', 'get'],
      ['/v1/schedules/upcoming', 'get'],
      ['/v1/schedules/{id}', 'delete'],
      ['/v1/schedules/{id}/pause', 'post'],
      ['/v1/schedules/{id}/resume', 'post'],
      ['/v1/schedules/{id}/skip-next', 'post'],
      ['/v1/schedules/{id}/runs', 'get'],
    ] as const) {
      assert.ok(paths[path]?.[method], `${method} ${path}`);
    }
  });
});
