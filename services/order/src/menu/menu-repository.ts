import type pg from 'pg';
import type { MenuItem, OptionGroup } from './menu.ts';

/** Reads the menu from order_db: items in display order, each with its option groups. */
export class MenuRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async listItems(): Promise<MenuItem[]> {
    return this.#select(this.#pool);
  }

  /** One item as `db` sees it: inside a transaction, with that transaction's own changes. */
  async findItem(db: pg.ClientBase, id: string): Promise<MenuItem | undefined> {
    return (await this.#select(db, id))[0];
  }

  async #select(db: pg.ClientBase | pg.Pool, id?: string): Promise<MenuItem[]> {
    // One round trip: the option groups come back as JSON built by Postgres.
    const { rows } = await db.query<{
      id: string;
      slug: string;
      name: string;
      description: string;
      category: string;
      price_cents: number;
      available: boolean;
      option_groups: OptionGroup[];
    }>(
      `
      SELECT i.id, i.slug, i.name, i.description, i.category, i.price_cents, i.available,
             COALESCE((
               SELECT json_agg(json_build_object(
                        'id', g.id, 'slug', g.slug, 'name', g.name,
                        'minChoices', g.min_choices, 'maxChoices', g.max_choices,
                        'options', (
                          SELECT json_agg(json_build_object(
                                   'id', o.id, 'slug', o.slug, 'name', o.name,
                                   'priceDeltaCents', o.price_delta_cents, 'isDefault', o.is_default)
                                 ORDER BY o.position)
                            FROM options o WHERE o.option_group_id = g.id))
                      ORDER BY ig.position)
                 FROM menu_item_option_groups ig
                 JOIN option_groups g ON g.id = ig.option_group_id
                WHERE ig.menu_item_id = i.id), '[]'::json) AS option_groups
        FROM menu_items i
       ${id === undefined ? '' : 'WHERE i.id = $1'}
       ORDER BY i.position, i.name`,
      id === undefined ? [] : [id],
    );
    return rows.map((row) => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description,
      category: row.category,
      priceCents: row.price_cents,
      available: row.available,
      optionGroups: row.option_groups,
    }));
  }
}
