// Who may act, decided now: roles read from the customer service for privileged actions, and
// sessions as rotating refresh-token families kept in customer_db. Real services underneath.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { customerV1 } from '@everything/contracts';
import { callUnary } from '@everything/grpc';
import { openApiContract } from '../openapi-contract.ts';
import { serverTestStack } from '../testing.ts';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

describe('roles and sessions', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let contract: Awaited<ReturnType<typeof openApiContract>>;

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
  const call = async <Body = unknown>(
    options: InjectOptions & { url: string; token?: string },
    on: FastifyInstance = app,
  ) => {
    const { token, ...rest } = options;
    const response = await on.inject({
      ...rest,
      headers: { ...rest.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = (response.body ? response.json<Body>() : undefined) as Body;
    assert.deepEqual(
      contract(rest.method ?? 'GET', rest.url, response.statusCode, body),
      [],
      'the response matches the OpenAPI document',
    );
    return { status: response.statusCode, body };
  };
  const register = async (name = 'Ada', on: FastifyInstance = app) => {
    const email = `${name.toLowerCase()}-${randomUUID()}@example.com`;
    const response = await call<Tokens>(
      {
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email, password: 'correct horse', displayName: name },
      },
      on,
    );
    assert.equal(response.status, 201);
    const me = await call<{ id: string }>(
      { url: '/v1/customers/me', token: response.body.accessToken },
      on,
    );
    return { ...response.body, id: me.body.id, email };
  };
  const refresh = (refreshToken: string, on: FastifyInstance = app) =>
    call<Tokens>({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } }, on);
  const setRole = (id: string, role: customerV1.Role) =>
    callUnary(stack.orderDeps.customers, 'setRole', { id, role }, 5_000);
  const admin = async () => {
    const email = `admin-${randomUUID()}@example.com`;
    const { customer } = await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email, password: 'admin password' },
      5_000,
    );
    const login = await call<Tokens>({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: 'admin password' },
    });
    assert.equal(login.status, 200);
    return { ...login.body, id: customer?.id ?? '' };
  };
  const grant = (token: string, id: string, role: string) =>
    call({ method: 'PUT', url: `/v1/customers/${id}/role`, token, payload: { role } });

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    contract = await openApiContract(app);
  });
  after(() => stack.close());

  describe('a role change takes effect at once', () => {
    test('a demoted admin can no longer grant roles with the access token it still holds', async () => {
      const demoted = await admin();
      const eve = await register('Eve');
      await setRole(demoted.id, customerV1.Role.ROLE_CUSTOMER);
      const promoteOther = await grant(demoted.accessToken, eve.id, 'admin');
      assert.equal(promoteOther.status, 403);
      const promoteSelf = await grant(demoted.accessToken, demoted.id, 'admin');
      assert.equal(promoteSelf.status, 403);
      const menuChange = await call({
        method: 'POST',
        url: '/v1/menu/items',
        token: demoted.accessToken,
        payload: { name: 'Free coffee', description: '', category: 'coffee', priceCents: 0 },
      });
      assert.equal(menuChange.status, 403);
      const { customer } = await callUnary(
        stack.orderDeps.customers,
        'getCustomer',
        { id: eve.id },
        5_000,
      );
      assert.equal(customer?.role, customerV1.Role.ROLE_CUSTOMER);
    });

    test('a demoted barista loses the queue at once; a promoted customer gains it at once', async () => {
      const bea = await register('Bea');
      await setRole(bea.id, customerV1.Role.ROLE_BARISTA);
      const asBarista = await call({ url: '/v1/orders?status=placed', token: bea.accessToken });
      assert.equal(asBarista.status, 200);
      await setRole(bea.id, customerV1.Role.ROLE_CUSTOMER);
      const demoted = await call({ url: '/v1/orders?status=placed', token: bea.accessToken });
      assert.equal(demoted.status, 403);
    });
  });

  describe('refresh tokens rotate', () => {
    test('a refresh spends the token: the next one works, and presenting a spent one ends the whole session', async () => {
      const ada = await register();
      const onLaptop = await call<Tokens>({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: ada.email, password: 'correct horse' },
      });
      const first = await refresh(ada.refreshToken);
      assert.equal(first.status, 200);
      assert.notEqual(first.body.refreshToken, ada.refreshToken);
      const second = await refresh(first.body.refreshToken);
      assert.equal(second.status, 200);

      const replayed = await refresh(ada.refreshToken);
      assert.equal(replayed.status, 401);
      // The thief's replay ends the family: the legitimate holder's newest token stops too.
      const newest = await refresh(second.body.refreshToken);
      assert.equal(newest.status, 401);
      // Another session of the same customer is untouched.
      assert.equal((await refresh(onLaptop.body.refreshToken)).status, 200);
    });

    test('refreshing never extends a session beyond the expiry it started with', async () => {
      const sessionSeconds = 5;
      const shortLived = await stack.build({
        tokens: {
          secret: randomUUID() + randomUUID(),
          accessTtlSeconds: 60,
          refreshTtlSeconds: sessionSeconds,
        },
      });
      const ada = await register('Ada', shortLived);
      // The session began before this: its expiry is at most five seconds after.
      const signedInAt = Date.now();
      const sleepUntil = (ms: number) =>
        new Promise((resolve) => setTimeout(resolve, Math.max(0, signedInAt + ms - Date.now())));
      await sleepUntil(2_000);
      const rotated = await refresh(ada.refreshToken, shortLived);
      assert.equal(rotated.status, 200);
      // The new token is seconds old, but its session began over five seconds ago.
      await sleepUntil(sessionSeconds * 1_000 + 500);
      assert.equal((await refresh(rotated.body.refreshToken, shortLived)).status, 401);
    });

    test('customer_db keeps the sessions, and only hashes of their refresh tokens', async () => {
      const ada = await register();
      const { rows } = await stack.orderDeps.customerPool.query<{ stored: number }>(
        `SELECT count(*)::int AS stored FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
          WHERE s.customer_id = $1 AND t.token_hash = $2`,
        [ada.id, createHash('sha256').update(ada.refreshToken).digest()],
      );
      assert.equal(rows[0]?.stored, 1);
      // A server with an empty cache (a new replica) honours the same session.
      const replica = await stack.build();
      assert.equal((await refresh(ada.refreshToken, replica)).status, 200);
    });
  });

  describe('signing out', () => {
    test('logout ends the session: its refresh token is refused, and a second logout is not an error', async () => {
      const ada = await register();
      const logout = await call({
        method: 'POST',
        url: '/v1/auth/logout',
        payload: { refreshToken: ada.refreshToken },
      });
      assert.equal(logout.status, 204);
      assert.equal((await refresh(ada.refreshToken)).status, 401);
      const again = await call({
        method: 'POST',
        url: '/v1/auth/logout',
        payload: { refreshToken: ada.refreshToken },
      });
      assert.equal(again.status, 204);
      const bad = await call({ method: 'POST', url: '/v1/auth/logout', payload: {} });
      assert.equal(bad.status, 400);
    });

    test('signing out everywhere ends every session of yours, and none of anybody else', async () => {
      const ada = await register('Ada');
      const phone = await refresh(ada.refreshToken);
      const other = await register('Bob');
      const everywhere = await call({
        method: 'DELETE',
        url: '/v1/customers/me/sessions',
        token: ada.accessToken,
      });
      assert.equal(everywhere.status, 204);
      assert.equal((await refresh(phone.body.refreshToken)).status, 401);
      assert.equal((await refresh(other.refreshToken)).status, 200);
    });

    test('an admin signs a customer out everywhere; a customer may not sign out someone else', async () => {
      const boss = await admin();
      const ada = await register('Ada');
      const bob = await register('Bob');
      const refused = await call({
        method: 'DELETE',
        url: `/v1/customers/${ada.id}/sessions`,
        token: bob.accessToken,
      });
      assert.equal(refused.status, 403);
      assert.equal(
        (
          await call({
            method: 'DELETE',
            url: `/v1/customers/${ada.id}/sessions`,
            token: boss.accessToken,
          })
        ).status,
        204,
      );
      assert.equal((await refresh(ada.refreshToken)).status, 401);
      const unknown = await call({
        method: 'DELETE',
        url: `/v1/customers/${randomUUID()}/sessions`,
        token: boss.accessToken,
      });
      assert.equal(unknown.status, 404);
    });

    test('an admin whose sessions ended cannot act with privilege on the access token left over', async () => {
      const boss = await admin();
      const ada = await register('Ada');
      await call({
        method: 'POST',
        url: '/v1/auth/logout',
        payload: { refreshToken: boss.refreshToken },
      });
      const grantAfterLogout = await grant(boss.accessToken, ada.id, 'barista');
      assert.equal(grantAfterLogout.status, 401);
    });
  });
});
