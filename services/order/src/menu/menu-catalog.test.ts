import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stack } from '@everything/test-support';
import { createValkey, valkeyReady } from '@everything/valkey';
import { orderTestDeps } from '../testing.ts';
import { MenuAdmin } from './menu-admin.ts';
import { MenuCatalog } from './menu-catalog.ts';
import { MenuRepository } from './menu-repository.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let catalog: MenuCatalog;

before(async () => {
  deps = await orderTestDeps();
  await valkeyReady(deps.valkey);
  catalog = new MenuCatalog(new MenuRepository(deps.pool), deps.valkey, 60, deps.logger);
});
after(() => deps.close());

test('the seeded menu has real drinks with size, milk and extra-shot options', async () => {
  const { items } = await catalog.list();
  assert.ok(items.length >= 10);
  const latte = items.find((item) => item.slug === 'latte');
  assert.ok(latte);
  assert.equal(latte.priceCents, 400);
  assert.deepEqual(
    latte.optionGroups.map((group) => group.slug),
    ['size', 'milk', 'extras'],
  );
  const milk = latte.optionGroups.find((group) => group.slug === 'milk');
  assert.deepEqual(
    milk?.options.filter((option) => option.isDefault).map((option) => option.slug),
    ['whole'],
  );
  const extras = latte.optionGroups.find((group) => group.slug === 'extras');
  assert.equal(extras?.options.find((option) => option.slug === 'extra-shot')?.priceDeltaCents, 80);
});

test('the first read fills the cache, the second is served from it, invalidation refreshes it', async () => {
  await catalog.invalidate();
  assert.equal((await catalog.list()).source, 'database');
  assert.equal(await deps.valkey.exists(`menu:v2:${await deps.valkey.get('menu:v2:version')}`), 1);

  // Changed behind the catalog's back: the cache keeps answering until invalidated.
  await deps.pool.query("UPDATE menu_items SET price_cents = 999 WHERE slug = 'espresso'");
  const cached = await catalog.list();
  assert.equal(cached.source, 'cache');
  assert.equal(cached.items.find((item) => item.slug === 'espresso')?.priceCents, 250);

  await catalog.invalidate();
  const fresh = await catalog.list();
  assert.equal(fresh.source, 'database');
  assert.equal(fresh.items.find((item) => item.slug === 'espresso')?.priceCents, 999);
});

test('a reader that missed the cache before an admin change cannot store the old menu over it', async () => {
  await catalog.invalidate();
  // A real repository whose read, once it has the (old) menu, waits for the test's signal:
  // the slow reader of the race.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let readOld = () => {};
  const oldRead = new Promise<void>((resolve) => (readOld = resolve));
  class SlowRepository extends MenuRepository {
    override async listItems() {
      const items = await super.listItems();
      readOld();
      await released;
      return items;
    }
  }
  const slowReader = new MenuCatalog(new SlowRepository(deps.pool), deps.valkey, 60, deps.logger);
  const admin = new MenuAdmin(deps.pool, new MenuRepository(deps.pool), catalog);
  const withdrawn = (await catalog.list()).items.find((item) => item.slug === 'cold-brew');
  assert.ok(withdrawn?.available);
  await catalog.invalidate();

  const slow = slowReader.list();
  await oldRead;
  await admin.update(withdrawn.id, { available: false });
  release();
  await slow;

  const served = await catalog.list();
  assert.equal(served.items.find((item) => item.slug === 'cold-brew')?.available, false);
});

test('the cache lives under the configured key prefix', async () => {
  await catalog.list();
  const raw = createValkey(stack.valkeyUrl, '', deps.logger);
  await valkeyReady(raw);
  const version = await raw.get(`${deps.keyPrefix}menu:v2:version`);
  assert.equal(await raw.exists(`${deps.keyPrefix}menu:v2:${version}`), 1);
  raw.disconnect();
});

test('with Valkey unreachable the menu still comes from the database', async () => {
  const unreachable = createValkey('redis://127.0.0.1:1', 'test:', deps.logger);
  const degraded = new MenuCatalog(new MenuRepository(deps.pool), unreachable, 60, deps.logger);
  const { items, source } = await degraded.list();
  unreachable.disconnect();
  assert.equal(source, 'database');
  assert.ok(items.some((item) => item.slug === 'latte'));
});
