import type pg from 'pg';
import { withTransaction } from '@everything/postgres';
import type { MenuCatalog } from './menu-catalog.ts';
import { lowestUnitPriceCents, type MenuItem } from './menu.ts';
import type { MenuRepository } from './menu-repository.ts';

export interface MenuItemFields {
  name: string;
  description: string;
  category: string;
  priceCents: number;
  available: boolean;
  optionGroupIds: string[];
}

export class MenuValidationError extends Error {
  override name = 'MenuValidationError';
}

export class MenuItemNotFoundError extends Error {
  override name = 'MenuItemNotFoundError';
}

export class MenuNameTakenError extends Error {
  override name = 'MenuNameTakenError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function check(fields: Partial<MenuItemFields>): void {
  const text = (field: string, value: string | undefined, min: number, max: number) => {
    // Counted in code points, as the API's schema and Postgres's length() count them.
    if (
      value !== undefined &&
      (Array.from(value.trim()).length < min || Array.from(value).length > max)
    ) {
      throw new MenuValidationError(`${field}: must have ${min} to ${max} characters`);
    }
  };
  text('name', fields.name, 1, 80);
  text('description', fields.description, 0, 500);
  text('category', fields.category, 1, 40);
  if (
    fields.priceCents !== undefined &&
    (!Number.isInteger(fields.priceCents) || fields.priceCents < 0 || fields.priceCents > 100_000)
  ) {
    throw new MenuValidationError('priceCents: must be an integer from 0 to 100000');
  }
  // Compared as Postgres compares uuids: case does not matter.
  const groupIds = (fields.optionGroupIds ?? []).map((id) => id.toLowerCase());
  for (const [index, id] of groupIds.entries()) {
    if (!UUID.test(id)) throw new MenuValidationError(`optionGroupIds[${index}]: must be a UUID`);
    if (groupIds.indexOf(id) !== index)
      throw new MenuValidationError(`optionGroupIds[${index}]: lists option group ${id} twice`);
  }
}

export const slugOf = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'item';

/**
 * Changes to the menu. Each change commits in one transaction, then drops the cached menu so
 * every replica serves the new one; prices of orders already placed do not change.
 */
export class MenuAdmin {
  readonly #pool: pg.Pool;
  readonly #repository: MenuRepository;
  readonly #catalog: MenuCatalog;

  constructor(pool: pg.Pool, repository: MenuRepository, catalog: MenuCatalog) {
    this.#pool = pool;
    this.#repository = repository;
    this.#catalog = catalog;
  }

  async create(fields: MenuItemFields): Promise<MenuItem> {
    check(fields);
    const id = await withTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO menu_items (slug, name, description, category, price_cents, available, position)
         SELECT $1, $2, $3, $4, $5, $6, COALESCE(max(position), 0) + 1 FROM menu_items
         ON CONFLICT (slug) DO NOTHING RETURNING id`,
        [
          slugOf(fields.name),
          fields.name.trim(),
          fields.description.trim(),
          fields.category.trim(),
          fields.priceCents,
          fields.available,
        ],
      );
      if (!rows[0]) throw new MenuNameTakenError(`name: ${fields.name} is already on the menu`);
      await this.#setGroups(client, rows[0].id, fields.optionGroupIds);
      await this.#refuseNegativePrices(client, rows[0].id, fields);
      return rows[0].id;
    });
    return this.#changed(id);
  }

  async update(id: string, changes: Partial<MenuItemFields>): Promise<MenuItem> {
    if (!UUID.test(id)) throw new MenuValidationError('id: must be a UUID');
    check(changes);
    await withTransaction(this.#pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE menu_items SET name = COALESCE($2, name), description = COALESCE($3, description),
                category = COALESCE($4, category), price_cents = COALESCE($5, price_cents),
                available = COALESCE($6, available), updated_at = now()
          WHERE id = $1`,
        [
          id,
          changes.name?.trim() ?? null,
          changes.description?.trim() ?? null,
          changes.category?.trim() ?? null,
          changes.priceCents ?? null,
          changes.available ?? null,
        ],
      );
      if (rowCount === 0) throw new MenuItemNotFoundError(`no menu item has id ${id}`);
      if (changes.optionGroupIds) await this.#setGroups(client, id, changes.optionGroupIds);
      await this.#refuseNegativePrices(client, id, changes);
    });
    return this.#changed(id);
  }

  async delete(id: string): Promise<void> {
    if (!UUID.test(id)) throw new MenuValidationError('id: must be a UUID');
    const { rowCount } = await this.#pool.query('DELETE FROM menu_items WHERE id = $1', [id]);
    if (rowCount === 0) throw new MenuItemNotFoundError(`no menu item has id ${id}`);
    await this.#catalog.invalidate();
  }

  async #setGroups(client: pg.PoolClient, itemId: string, groupIds: string[]): Promise<void> {
    await client.query('DELETE FROM menu_item_option_groups WHERE menu_item_id = $1', [itemId]);
    for (const [position, groupId] of groupIds.entries()) {
      const { rowCount } = await client.query(
        `INSERT INTO menu_item_option_groups (menu_item_id, option_group_id, position)
         SELECT $1, id, $3 FROM option_groups WHERE id = $2`,
        [itemId, groupId, position],
      );
      if (rowCount === 0)
        throw new MenuValidationError(
          `optionGroupIds[${position}]: no option group has id ${groupId}`,
        );
    }
  }

  /**
   * Checked inside the change's transaction, on the item as it would commit (the row is locked
   * by then): no choice of options may take a drink below zero, or an order would pay the customer.
   */
  async #refuseNegativePrices(
    client: pg.PoolClient,
    id: string,
    changes: Partial<MenuItemFields>,
  ): Promise<void> {
    const item = await this.#repository.findItem(client, id);
    if (!item) return;
    const lowest = lowestUnitPriceCents(item);
    if (lowest >= 0) return;
    const field =
      changes.optionGroupIds !== undefined && changes.priceCents === undefined
        ? 'optionGroupIds'
        : 'priceCents';
    throw new MenuValidationError(
      `${field}: the cheapest choice of options would cost ${lowest} cents; ` +
        `the price must be at least ${item.priceCents - lowest} cents with these option groups`,
    );
  }

  async #changed(id: string): Promise<MenuItem> {
    await this.#catalog.invalidate();
    const item = (await this.#repository.listItems()).find((candidate) => candidate.id === id);
    if (!item) throw new MenuItemNotFoundError(`no menu item has id ${id}`);
    return item;
  }
}
