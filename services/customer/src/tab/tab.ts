import type pg from 'pg';
import { withTransaction } from '@everything/postgres';

export class TabLimitError extends Error {
  override name = 'TabLimitError';
}

export class UnknownCustomerError extends Error {
  override name = 'UnknownCustomerError';
}

/**
 * The customer's tab: what they owe the café, settled at the counter. Orders are charged when
 * placed and refunded when cancelled. Both are idempotent per order, because the workflow
 * that calls them retries: the ledger allows one charge and one refund per order.
 */
export class Tab {
  readonly #pool: pg.Pool;
  readonly #limitCents: number;

  constructor(pool: pg.Pool, limitCents: number) {
    this.#pool = pool;
    this.#limitCents = limitCents;
  }

  async charge(
    customerId: string,
    orderId: string,
    amountCents: number,
  ): Promise<{ balanceCents: number; applied: boolean }> {
    return withTransaction(this.#pool, async (client) => {
      // The row lock serialises charges of one customer, so two orders cannot both slip under the limit.
      const customer = await client.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [
        customerId,
      ]);
      if (customer.rowCount === 0)
        throw new UnknownCustomerError(`no customer has id ${customerId}`);
      const existing = await client.query(
        "SELECT 1 FROM tab_entries WHERE order_id = $1 AND kind = 'charge'",
        [orderId],
      );
      let applied = false;
      if (existing.rowCount === 0) {
        const balance = await this.#balance(client, customerId);
        if (balance + amountCents > this.#limitCents) {
          throw new TabLimitError(
            `the tab would reach ${balance + amountCents} cents, over its limit of ${this.#limitCents} cents`,
          );
        }
        await client.query(
          "INSERT INTO tab_entries (customer_id, order_id, kind, amount_cents) VALUES ($1, $2, 'charge', $3)",
          [customerId, orderId, amountCents],
        );
        applied = true;
      }
      return { balanceCents: await this.#balance(client, customerId), applied };
    });
  }

  /** Refunds the order's charge once; nothing to do for an order never charged. */
  async refund(
    customerId: string,
    orderId: string,
  ): Promise<{ balanceCents: number; applied: boolean }> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO tab_entries (customer_id, order_id, kind, amount_cents)
       SELECT customer_id, order_id, 'refund', amount_cents FROM tab_entries
        WHERE order_id = $1 AND customer_id = $2 AND kind = 'charge'
       ON CONFLICT (order_id, kind) DO NOTHING`,
      [orderId, customerId],
    );
    return { balanceCents: await this.#balance(this.#pool, customerId), applied: rowCount === 1 };
  }

  async #balance(db: pg.Pool | pg.PoolClient, customerId: string): Promise<number> {
    const { rows } = await db.query<{ balance: number }>(
      `SELECT COALESCE(sum(CASE kind WHEN 'charge' THEN amount_cents ELSE -amount_cents END), 0)::int AS balance
         FROM tab_entries WHERE customer_id = $1`,
      [customerId],
    );
    return rows[0]?.balance ?? 0;
  }
}
