import type pg from 'pg';
import { ValidationError } from '../customers/customer.ts';
import { UnknownCustomerError } from '../tab/tab.ts';

export interface Favorite {
  menuItemId: string;
  optionIds: string[];
  quantity: number;
  savedAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Favorite drinks. The menu is the order service's: a favorite names a menu item by id and is
 * checked against the menu when it is ordered, not here.
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
    if (favorite.optionIds.length > 20)
      throw new ValidationError('options', 'must have at most 20 options');
    try {
      await this.#pool.query(
        `INSERT INTO favorites (customer_id, menu_item_id, option_ids, quantity) VALUES ($1, $2, $3, $4)
         ON CONFLICT (customer_id, menu_item_id)
         DO UPDATE SET option_ids = EXCLUDED.option_ids, quantity = EXCLUDED.quantity, saved_at = clock_timestamp()`,
        [customerId, favorite.menuItemId, favorite.optionIds, favorite.quantity],
      );
    } catch (error) {
      // 23503: the customer does not exist (foreign key).
      if ((error as { code?: string }).code === '23503')
        throw new UnknownCustomerError(`no customer has id ${customerId}`);
      throw error;
    }
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
