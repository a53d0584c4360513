import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { migratedScratchDatabase } from '@everything/test-support';
import { ValidationError } from '../customers/customer.ts';
import { Favorites, MAX_FAVORITES, TooManyFavoritesError } from './favorites.ts';

const logger = createLogger('favorites-test', 'silent');
let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;
let pool: ReturnType<typeof createPool>;
let favorites: Favorites;

before(async () => {
  database = await migratedScratchDatabase(
    'customer_service',
    new URL('../../migrations/', import.meta.url),
  );
  pool = createPool(database.config, 'favorites-test', logger);
  favorites = new Favorites(pool);
});
after(async () => {
  await pool.end();
  await database.drop();
});

async function newCustomer(): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO customers (email, display_name) VALUES ($1, 'Ada') RETURNING id`,
    [`${randomUUID()}@example.com`],
  );
  return rows[0]?.id ?? '';
}
const drink = (menuItemId: string = randomUUID()) => ({ menuItemId, optionIds: [], quantity: 1 });

test('a customer keeps at most MAX_FAVORITES, even when they are saved all at once; changing one still works', async () => {
  const customerId = await newCustomer();
  const outcomes = await Promise.allSettled(
    Array.from({ length: MAX_FAVORITES + 5 }, () => favorites.save(customerId, drink())),
  );
  assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, MAX_FAVORITES);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof TooManyFavoritesError);
  }
  const saved = await favorites.list(customerId);
  assert.equal(saved.length, MAX_FAVORITES);

  await assert.rejects(favorites.save(customerId, drink()), TooManyFavoritesError);
  const [oldest] = saved.slice(-1);
  assert.ok(oldest);
  const changed = await favorites.save(customerId, { ...drink(oldest.menuItemId), quantity: 3 });
  assert.deepEqual([changed[0]?.menuItemId, changed[0]?.quantity], [oldest.menuItemId, 3]);
  assert.equal(changed.length, MAX_FAVORITES);
});

test('options are option ids, each once and at most 20; anything else is refused naming it before it is stored', async () => {
  const customerId = await newCustomer();
  const refused = async (optionIds: string[], field: string) =>
    assert.rejects(
      favorites.save(customerId, { ...drink(), optionIds }),
      (error: unknown) => error instanceof ValidationError && error.field === field,
    );
  const oat: string = randomUUID();
  await refused([oat, 'sh\u0000ot'], 'options[1]');
  await refused(['x'.repeat(1_000)], 'options[0]');
  await refused([oat, oat.toUpperCase()], 'options[1]');
  await refused(
    Array.from({ length: 21 }, () => randomUUID()),
    'options',
  );
  assert.deepEqual(await favorites.list(customerId), []);

  const [saved] = await favorites.save(customerId, {
    ...drink(),
    optionIds: [oat.toUpperCase()],
  });
  assert.deepEqual(saved?.optionIds, [oat]);
});
