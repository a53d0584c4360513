import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { migratedScratchDatabase, stack } from '@everything/test-support';
import { createValkey } from '@everything/valkey';
import { randomUUID } from 'node:crypto';
import { MenuAdmin, MenuValidationError } from './menu-admin.ts';
import { MenuCatalog } from './menu-catalog.ts';
import { MenuRepository } from './menu-repository.ts';

const logger = createLogger('menu-admin-test', 'silent');
let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;
let pool: ReturnType<typeof createPool>;
let valkey: ReturnType<typeof createValkey>;
let admin: MenuAdmin;
let repository: MenuRepository;

before(async () => {
  database = await migratedScratchDatabase(
    'order_service',
    new URL('../../migrations/', import.meta.url),
  );
  pool = createPool(database.config, 'menu-admin-test', logger);
  valkey = createValkey(stack.valkeyUrl, `test:${randomUUID()}:order:`, logger);
  repository = new MenuRepository(pool);
  admin = new MenuAdmin(pool, repository, new MenuCatalog(repository, valkey, 60, logger));
});
after(async () => {
  valkey.disconnect();
  await pool.end();
  await database.drop();
});

const groupId = async (slug: string) =>
  (await pool.query<{ id: string }>('SELECT id FROM option_groups WHERE slug = $1', [slug])).rows[0]
    ?.id ?? '';
const rejects = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(
    promise,
    (error: unknown) => error instanceof MenuValidationError && message.test(error.message),
  );

test('a price the small size would take below zero is refused naming priceCents, and nothing changes', async () => {
  const size = await groupId('size');
  await rejects(
    admin.create({
      name: 'Sample cup',
      description: '',
      category: 'Tastings',
      priceCents: 30,
      available: true,
      optionGroupIds: [size],
    }),
    /^priceCents: the cheapest choice of options would cost -10 cents; the price must be at least 40 cents/,
  );
  const espresso = (await repository.listItems()).find((item) => item.slug === 'americano');
  assert.ok(espresso);
  await rejects(admin.update(espresso.id, { priceCents: 39 }), /^priceCents: .* at least 40 cents/);
  assert.equal((await admin.update(espresso.id, { priceCents: 40 })).priceCents, 40);
  assert.equal(
    (await repository.listItems()).some((item) => item.name === 'Sample cup'),
    false,
  );
});

test('adding an option group that would take a cheap drink below zero is refused naming optionGroupIds', async () => {
  const created = await admin.create({
    name: 'Tasting shot',
    description: '',
    category: 'Tastings',
    priceCents: 10,
    available: true,
    optionGroupIds: [],
  });
  await rejects(
    admin.update(created.id, { optionGroupIds: [await groupId('size')] }),
    /^optionGroupIds: the cheapest choice of options would cost -30 cents/,
  );
  const [stored] = (await repository.listItems()).filter((item) => item.id === created.id);
  assert.deepEqual(stored?.optionGroups, []);
});

test('an option group listed twice is refused naming its position, in any letter case', async () => {
  const size = await groupId('size');
  const latte = (await repository.listItems()).find((item) => item.slug === 'latte');
  assert.ok(latte);
  await rejects(
    admin.update(latte.id, { optionGroupIds: [size, await groupId('milk'), size] }),
    /^optionGroupIds\[2\]: lists option group .* twice/,
  );
  await rejects(
    admin.update(latte.id, { optionGroupIds: [size, size.toUpperCase()] }),
    /^optionGroupIds\[1\]: lists option group .* twice/,
  );
  assert.deepEqual(
    (await repository.listItems())
      .find((item) => item.id === latte.id)
      ?.optionGroups.map((group) => group.slug),
    ['size', 'milk', 'extras'],
  );
});
