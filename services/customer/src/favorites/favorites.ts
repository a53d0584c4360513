import type pg from 'pg';
import { withTransaction } from '@everything/postgres';
import { ValidationError } from '../customers/customer.ts';
import { UnknownCustomerError } from '../tab/tab.ts';

export interface Favorite {
  menuItemId: string;
  optionIds: string[];
  quantity: number;
  savedAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Enough for every drink on a café's menu; a bound on what one account can store. */
export const MAX_FAVORITES = 20;
export const MAX_FAVORITE_OPTIONS = 20;

/** Saving one more favorite than MAX_FAVORITES: the customer must remove one first. */
export class TooManyFavoritesError extends Error {
  override name = 'TooManyFavoritesError';
}

/**
 * Favorite drinks. The menu is the order service's: the server checks a favorite's item and
 * options against the menu before saving it, and the menu is checked again when it is ordered.
 * Here a favorite is held to what the service can store: menu and option ids (UUIDs), at most
 * MAX_FAVORITE_OPTIONS options and MAX_FAVORITES favorites per customer.
 */
export class Favorites {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async list(customerId: string): Promise<Favorite[]> {
    const { rows } = await this.#pool.query<{
      menu_item_id: string;
      option_ids: string[];
      quantity: number;
      saved_at: Date;
    }>(
      'SELECT menu_item_id, option_ids, quantity, saved_at FROM favorites WHERE customer_id = $1 ORDER BY saved_at DESC, menu_item_id',
      [customerId],
    );
    return rows.map((row) => ({
      menuItemId: row.menu_item_id,
      optionIds: row.option_ids,
      quantity: row.quantity,
      savedAt: row.saved_at,
    }));
  }

  async save(customerId: string, favorite: Omit<Favorite, 'savedAt'>): Promise<Favorite[]> {
    if (!UUID.test(favorite.menuItemId)) throw new ValidationError('menuItemId', 'must be a UUID');
    if (!Number.isInteger(favorite.quantity) || favorite.quantity < 1 || favorite.quantity > 20) {
      throw new ValidationError('quantity', 'must be an integer from 1 to 20');
    }
    if (favorite.optionIds.length > MAX_FAVORITE_OPTIONS)
      throw new ValidationError('options', `must have at most ${MAX_FAVORITE_OPTIONS} options`);
    const optionIds = favorite.optionIds.map((id) => id.toLowerCase());
    for (const [index, id] of optionIds.entries()) {
      if (!UUID.test(id))
        throw new ValidationError(`options[${index}]`, 'must be an option id (a UUID)');
      if (optionIds.indexOf(id) !== index)
        throw new ValidationError(`options[${index}]`, 'lists an option twice');
    }
    await withTransaction(this.#pool, async (client) => {
      // The customer's row is the lock that makes count-then-insert exact under concurrent
      // saves; the count is a statement of its own, so that it sees what the saves this one
      // waited for committed.
      const locked = await client.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [
        customerId,
      ]);
      if (locked.rowCount === 0) throw new UnknownCustomerError(`no customer has id ${customerId}`);
      const { rows } = await client.query<{ saved: number; known: boolean }>(
        `SELECT count(*)::int AS saved, COALESCE(bool_or(menu_item_id = $2), false) AS known
           FROM favorites WHERE customer_id = $1`,
        [customerId, favorite.menuItemId],
      );
      const current = rows[0] ?? { saved: 0, known: false };
      if (!current.known && current.saved >= MAX_FAVORITES) {
        throw new TooManyFavoritesError(
          `favorites: at most ${MAX_FAVORITES} can be saved; remove one first`,
        );
      }
      await client.query(
        `INSERT INTO favorites (customer_id, menu_item_id, option_ids, quantity) VALUES ($1, $2, $3, $4)
         ON CONFLICT (customer_id, menu_item_id)
         DO UPDATE SET option_ids = EXCLUDED.option_ids, quantity = EXCLUDED.quantity, saved_at = clock_timestamp()`,
        [customerId, favorite.menuItemId, optionIds, favorite.quantity],
      );
    });
    return this.list(customerId);
  }

  async remove(customerId: string, menuItemId: string): Promise<Favorite[]> {
    if (!UUID.test(menuItemId)) throw new ValidationError('menuItemId', 'must be a UUID');
    await this.#pool.query('DELETE FROM favorites WHERE customer_id = $1 AND menu_item_id = $2', [
      customerId,
      menuItemId,
    ]);
    return this.list(customerId);
  }
}
