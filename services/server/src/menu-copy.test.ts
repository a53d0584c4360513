import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { callUnary } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { createValkey } from '@everything/valkey';
import { serverTestStack } from './testing.ts';

interface MenuItem {
  id: string;
  name: string;
  priceCents: number;
}

/** The bound on a stale menu, written out: the test must not follow the code's constant. */
const ONE_SECOND_MS = 1_000;
/** How long a fetch from the order service may take on a loaded test machine, on top of the bound. */
const FETCH_SLACK_MS = 750;

describe('GET /v1/menu from each replica’s copy', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let replicaA: FastifyInstance;
  let replicaB: FastifyInstance;
  let admin: string;
  let latte: MenuItem;

  const read = async (app: FastifyInstance, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method: 'GET', url: '/v1/menu', headers });
    return {
      status: response.statusCode,
      etag: response.headers.etag,
      cacheControl: response.headers['cache-control'],
      body: response.body,
      priceOfLatte: () =>
        response.json<{ items: MenuItem[] }>().items.find((item) => item.id === latte.id)
          ?.priceCents,
    };
  };
  const setLattePrice = async (app: FastifyInstance, priceCents: number) => {
    const response = await app.inject({
      method: 'PATCH',
      url: `/v1/menu/items/${latte.id}`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { priceCents },
    });
    assert.equal(response.statusCode, 200, response.body);
  };
  /**
   * Reads for `withinMs`: the latte must reach `priceCents` in that time, and once it has, no
   * older menu may come back.
   */
  const seesPrice = async (app: FastifyInstance, priceCents: number, withinMs: number) => {
    const started = performance.now();
    let seenAfterMs: number | undefined;
    while (performance.now() - started < withinMs) {
      const price = (await read(app)).priceOfLatte();
      if (seenAfterMs === undefined) {
        if (price === priceCents) seenAfterMs = performance.now() - started;
      } else {
        assert.equal(price, priceCents, 'an older menu came back after the new one');
      }
      await sleep(20);
    }
    assert.ok(seenAfterMs !== undefined, `the new price was not served within ${withinMs} ms`);
  };

  /** Replicas subscribe as they connect; a change announced before that is not theirs to see. */
  const everyReplicaListens = async (replicas: number) => {
    const { valkey } = stack.orderDeps;
    // The channel the replicas share: under their key prefix, which the client does not add.
    const channel = `${valkey.options.keyPrefix ?? ''}menu-changed`;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const [, listening] = (await valkey.pubsub('NUMSUB', channel)) as [string, number];
      if (listening >= replicas) return;
      await sleep(50);
    }
    throw new Error(`fewer than ${replicas} replicas listen on ${channel}`);
  };

  before(async () => {
    stack = await serverTestStack();
    replicaA = await stack.build();
    replicaB = await stack.build();
    const email = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email, password: 'admin password' },
      5_000,
    );
    const login = await replicaA.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: 'admin password' },
    });
    admin = login.json<{ accessToken: string }>().accessToken;
    const menu = await replicaA.inject({ method: 'GET', url: '/v1/menu' });
    const item = menu.json<{ items: MenuItem[] }>().items.find((i) => i.name === 'Caffè latte');
    assert.ok(item);
    latte = item;
  });
  after(() => stack.close());

  test('the menu carries a strong ETag and Cache-Control; a matching If-None-Match is a 304 without a body', async () => {
    const first = await read(replicaA);
    assert.equal(first.status, 200);
    assert.match(first.etag ?? '', /^"[\w-]+"$/);
    assert.equal(first.cacheControl, 'public, max-age=5');
    // Every replica tags the same menu alike, so a browser may revalidate at any of them.
    assert.equal((await read(replicaB)).etag, first.etag);

    for (const header of [first.etag ?? '', `"other", W/${first.etag ?? ''}`, '*']) {
      const revalidated = await read(replicaA, { 'if-none-match': header });
      assert.equal(revalidated.status, 304, header);
      assert.equal(revalidated.body, '');
      assert.equal(revalidated.etag, first.etag);
      assert.equal(revalidated.cacheControl, 'public, max-age=5');
    }
    const otherTag = await read(replicaA, { 'if-none-match': '"an-older-menu"' });
    assert.equal(otherTag.status, 200);
    assert.equal(otherTag.body, first.body);
  });

  test('an admin change through one replica reaches the others at once, with a new ETag', async () => {
    // Copies that would otherwise be kept for a minute: only the change message can drop them.
    const announcedA = await stack.build({ menuMaxAgeMs: 60_000 });
    const announcedB = await stack.build({ menuMaxAgeMs: 60_000 });
    await everyReplicaListens(4);
    const before = await read(announcedB);
    await setLattePrice(announcedA, latte.priceCents + 10);
    assert.equal((await read(announcedA)).priceOfLatte(), latte.priceCents + 10);
    await seesPrice(announcedB, latte.priceCents + 10, 1_000);
    const after = await read(announcedB);
    assert.notEqual(after.etag, before.etag);
    assert.equal((await read(announcedB, { 'if-none-match': before.etag ?? '' })).status, 200);
    latte = { ...latte, priceCents: latte.priceCents + 10 };
  });

  test('a change made past this API, at the order service, reaches every replica within a second', async () => {
    // A replica that has just fetched the menu: it must still not keep it past the second.
    const justFetched = await stack.build();
    await read(justFetched);
    await callUnary(
      stack.menu,
      'updateMenuItem',
      {
        id: latte.id,
        priceCents: latte.priceCents + 5,
        updateOptionGroups: false,
        optionGroupIds: [],
      },
      5_000,
    );
    await seesPrice(justFetched, latte.priceCents + 5, ONE_SECOND_MS + FETCH_SLACK_MS);
    latte = { ...latte, priceCents: latte.priceCents + 5 };
  });

  test('with Valkey unreachable the menu still comes from the order service, and changes show within a second', async () => {
    const logger = createLogger('server-test', 'silent');
    // Port 1 on loopback: nothing listens there.
    const unreachable = createValkey('redis://127.0.0.1:1', 'test:unreachable:', logger);
    try {
      const isolatedA = await stack.build({ valkey: unreachable });
      const isolatedB = await stack.build({ valkey: unreachable });
      const served = await read(isolatedB);
      assert.equal(served.status, 200);
      assert.equal(served.priceOfLatte(), latte.priceCents);

      await setLattePrice(isolatedA, latte.priceCents + 20);
      // The replica that made the change drops its own copy; the others cannot be told.
      assert.equal((await read(isolatedA)).priceOfLatte(), latte.priceCents + 20);
      await seesPrice(isolatedB, latte.priceCents + 20, ONE_SECOND_MS + FETCH_SLACK_MS);
      latte = { ...latte, priceCents: latte.priceCents + 20 };
    } finally {
      unreachable.disconnect();
    }
  });
});
