// Rounds for the table through the REST API: start, join by code, drinks, submit, and the edge
// cases with their problem+json, against a real order service, Temporal and customer service.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { serverTestStack } from './testing.ts';

interface Reply {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

interface RoundJson {
  id: string;
  code: string;
  joinPath: string;
  status: string;
  payer: string;
  totalCents: number;
  members: { customerId: string; name: string; subtotalCents: number; orderId?: string }[];
}

describe('rounds for the table over REST', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let latteId: string;
  let espressoId: string;

  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    token: string | undefined,
    payload?: unknown,
  ): Promise<Reply> => {
    const response = await app.inject({
      method,
      url,
      payload: payload as Record<string, unknown> | undefined,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.statusCode,
      contentType: response.headers['content-type'] ?? '',
      body: response.body ? response.json<Record<string, unknown>>() : {},
    };
  };
  const register = async (name: string) => {
    const { body } = await call('POST', '/v1/auth/register', undefined, {
      email: `${name.toLowerCase()}-${randomUUID()}@example.com`,
      password: 'a long password',
      displayName: name,
    });
    const token = body.accessToken as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
    };
    return { token, id: claims.sub };
  };
  const drink = (menuItemId: string, quantity = 1) => ({ items: [{ menuItemId, quantity }] });

  /** Ada starts, Bo and Cy join by the shared code; each picks a drink. */
  async function table() {
    const [ada, bo, cy] = await Promise.all([register('Ada'), register('Bo'), register('Cy')]);
    const started = await call('POST', '/v1/rounds', ada.token);
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const round = started.body as unknown as RoundJson;
    for (const member of [bo, cy]) {
      const joined = await call('POST', '/v1/rounds/join', member.token, { code: round.code });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
    }
    await call('PUT', `/v1/rounds/${round.id}/items`, ada.token, drink(latteId));
    await call('PUT', `/v1/rounds/${round.id}/items`, bo.token, drink(espressoId));
    await call('PUT', `/v1/rounds/${round.id}/items`, cy.token, drink(latteId, 2));
    return { round, ada, bo, cy };
  }

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    const menu = (await call('GET', '/v1/menu', undefined)).body.items as {
      id: string;
      name: string;
    }[];
    latteId = menu.find((item) => item.name === 'Caffè latte')?.id ?? '';
    espressoId = menu.find((item) => item.name === 'Espresso')?.id ?? '';
  });
  after(async () => {
    await stack.close();
  });

  test('start, share the code and link, join, pick drinks: everyone in the round sees it all', async () => {
    const { round, ada, bo, cy } = await table();
    assert.match(round.code, /^[2-9A-HJKMNP-Z]{6}$/);
    assert.equal(round.joinPath, `/rounds/join/${round.code}`);
    const seen = await call('GET', `/v1/rounds/${round.id}`, cy.token);
    assert.equal(seen.status, 200);
    const body = seen.body as unknown as RoundJson;
    assert.deepEqual(
      body.members.map((member) => [member.customerId, member.name]),
      [
        [ada.id, 'Ada'],
        [bo.id, 'Bo'],
        [cy.id, 'Cy'],
      ],
    );
    assert.equal(
      body.totalCents,
      body.members.reduce((sum, member) => sum + member.subtotalCents, 0),
    );
    assert.ok(body.totalCents > 0);
  });

  test('submit places one order per member, each carrying the round, and the queue shows them by name', async () => {
    const { round, ada, bo } = await table();
    const submitted = await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {});
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    const body = submitted.body as unknown as RoundJson;
    assert.equal(body.status, 'submitted');
    assert.equal(body.payer, 'each');
    const boOrder = body.members.find((member) => member.customerId === bo.id)?.orderId ?? '';
    const order = await call('GET', `/v1/orders/${boOrder}`, bo.token);
    assert.equal(order.status, 200);
    assert.equal(order.body.roundId, round.id);
    assert.equal(order.body.customerName, 'Bo');
  });

  test('the starter may pay for everyone', async () => {
    const { round, ada } = await table();
    const submitted = await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {
      payForEveryone: true,
    });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.equal(submitted.body.payer, 'starter');
  });

  test('someone leaves before the round is submitted: 204, then the round is not theirs to see', async () => {
    const { round, ada, bo } = await table();
    assert.equal((await call('DELETE', `/v1/rounds/${round.id}/members/me`, bo.token)).status, 204);
    assert.equal((await call('GET', `/v1/rounds/${round.id}`, bo.token)).status, 404);
    const starterLeaving = await call('DELETE', `/v1/rounds/${round.id}/members/me`, ada.token);
    assert.equal(starterLeaving.status, 409);
    assert.match(starterLeaving.contentType, /^application\/problem\+json/);
    const submitted = await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {});
    assert.equal(
      (submitted.body as unknown as RoundJson).members.some(
        (member) => member.customerId === bo.id,
      ),
      false,
    );
  });

  test('an item becomes unavailable: 422 naming the member and the drink; nothing is submitted', async () => {
    const { round, ada, bo } = await table();
    await stack.orderDeps.pool.query(
      "UPDATE menu_items SET available = false WHERE slug = 'espresso'",
    );
    await stack.order.catalog.invalidate();
    try {
      const refused = await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {});
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.match(refused.contentType, /^application\/problem\+json/);
      assert.match(String(refused.body.type), /round-item-unavailable$/);
      assert.deepEqual(
        (refused.body.members as Record<string, unknown>[]).map(
          ({ customerId, name, reason, menuItemId }) => ({
            customerId,
            name,
            reason,
            menuItemId,
          }),
        ),
        [{ customerId: bo.id, name: 'Bo', reason: 'item-unavailable', menuItemId: espressoId }],
      );
      assert.equal((await call('GET', `/v1/rounds/${round.id}`, ada.token)).body.status, 'open');
      // Picking it now is refused at once, naming the line.
      const picked = await call('PUT', `/v1/rounds/${round.id}/items`, bo.token, drink(espressoId));
      assert.equal(picked.status, 422);
      assert.deepEqual(picked.body.errors, [
        { field: 'items[0].menuItemId', message: 'Espresso is unavailable' },
      ]);
    } finally {
      await stack.orderDeps.pool.query(
        "UPDATE menu_items SET available = true WHERE slug = 'espresso'",
      );
      await stack.order.catalog.invalidate();
    }
  });

  test("a member's tab is refused: 409 naming them; with the starter's agreement the rest goes through", async () => {
    const { round, ada, bo, cy } = await table();
    // Twenty lattes are 80.00, over the test tab limit of 50.00.
    await call('PUT', `/v1/rounds/${round.id}/items`, cy.token, drink(latteId, 20));
    const refused = await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {});
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.contentType, /^application\/problem\+json/);
    assert.match(String(refused.body.type), /round-tab-refused$/);
    assert.deepEqual(
      (refused.body.members as { customerId: string; reason: string }[]).map(
        ({ customerId, reason }) => [customerId, reason],
      ),
      [[cy.id, 'tab-refused']],
    );
    const agreed = await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {
      without: [cy.id],
    });
    assert.equal(agreed.status, 200, JSON.stringify(agreed.body));
    const members = (agreed.body as unknown as RoundJson).members;
    assert.deepEqual(
      members.filter((member) => member.orderId).map((member) => member.customerId),
      [ada.id, bo.id],
    );
  });

  test('double submits answer the same round and orders; nothing is placed twice', async () => {
    const { round, ada } = await table();
    const answers = await Promise.all([
      call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {}),
      call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {}),
    ]);
    answers.push(await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {}));
    const orderIds = answers.map((answer) => {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return (answer.body as unknown as RoundJson).members.map((member) => member.orderId);
    });
    assert.equal(new Set(orderIds.map((ids) => ids.join())).size, 1);
    assert.equal(orderIds[0]?.filter(Boolean).length, 3);
  });

  test('only members see a round (404, not 403), only the starter submits or cancels, strangers 401', async () => {
    const { round, bo } = await table();
    const eve = await register('Eve');
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['PUT', '/items', drink(latteId)],
      ['POST', '/submit', {}],
      ['DELETE', '/members/me', undefined],
      ['DELETE', '', undefined],
    ] as const) {
      const refused = await call(method, `/v1/rounds/${round.id}${path}`, eve.token, body);
      assert.equal(refused.status, 404, `${method} ${path}`);
      assert.match(refused.contentType, /^application\/problem\+json/);
    }
    assert.equal((await call('POST', `/v1/rounds/${round.id}/submit`, bo.token, {})).status, 409);
    assert.equal((await call('DELETE', `/v1/rounds/${round.id}`, bo.token)).status, 409);
    const anonymous = await call('POST', '/v1/rounds', undefined);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.contentType, /^application\/problem\+json/);
  });

  test('bad requests are problem+json naming the field', async () => {
    const { round, ada } = await table();
    const cases: [string, string, unknown, string, number][] = [
      ['POST', '/v1/rounds/join', { code: 'K0O1IL' }, 'code', 400],
      ['POST', '/v1/rounds/join', {}, 'code', 400],
      [
        'PUT',
        `/v1/rounds/${round.id}/items`,
        { items: [{ menuItemId: 'latte', quantity: 1 }] },
        'items[0].menuItemId',
        400,
      ],
      [
        'PUT',
        `/v1/rounds/${round.id}/items`,
        { items: [{ menuItemId: randomUUID(), quantity: 1 }] },
        'items[0].menuItemId',
        422,
      ],
      ['POST', `/v1/rounds/${round.id}/submit`, { without: ['nobody'] }, 'without[0]', 400],
    ];
    for (const [method, url, body, field, status] of cases) {
      const refused = await call(method as 'POST', url, ada.token, body);
      assert.equal(refused.status, status, `${field}: ${JSON.stringify(refused.body)}`);
      assert.match(refused.contentType, /^application\/problem\+json/);
      const errors = refused.body.errors as { field: string }[];
      assert.ok(
        errors.some((error) => error.field === field),
        `${field} named in ${JSON.stringify(errors)}`,
      );
    }
  });

  test('the starter cancels an open round: it is gone, and a submitted one cannot be cancelled', async () => {
    const { round, ada, bo } = await table();
    assert.equal((await call('DELETE', `/v1/rounds/${round.id}`, ada.token)).status, 204);
    for (const token of [ada.token, bo.token])
      assert.equal((await call('GET', `/v1/rounds/${round.id}`, token)).status, 404);
    assert.equal((await call('POST', `/v1/rounds/${round.id}/submit`, ada.token, {})).status, 404);

    const other = await table();
    await call('POST', `/v1/rounds/${other.round.id}/submit`, other.ada.token, {});
    const late = await call('DELETE', `/v1/rounds/${other.round.id}`, other.ada.token);
    assert.equal(late.status, 409);
    assert.match(String(late.body.type), /round-conflict$/);
  });
});
