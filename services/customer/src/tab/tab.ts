import type pg from 'pg';
import { withTransaction } from '@everything/postgres';

export class TabLimitError extends Error {
  override name = 'TabLimitError';
}

export class UnknownCustomerError extends Error {
  override name = 'UnknownCustomerError';
}

/** The order's payment is closed: it was refunded (or voided before any charge arrived). */
export class OrderSettledError extends Error {
  override name = 'OrderSettledError';
}

/**
 * The customer's tab: what they owe the café, settled at the counter. Orders are charged when
 * placed and refunded when cancelled. Both are idempotent per order, because the workflow
 * that calls them retries: the ledger allows one charge and one refund per order.
 *
 * A refund closes the order's payment for good, even when nothing was charged (it writes a
 * zero entry): a charge attempt whose caller gave up can still be waiting for the customer's
 * row lock when its order is cancelled, and when it gets there it must find the refund and be
 * refused. Both take the customer's row lock, so one of them always sees the other.
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
      const { rows: entries } = await client.query<{ kind: 'charge' | 'refund' }>(
        'SELECT kind FROM tab_entries WHERE order_id = $1',
        [orderId],
      );
      if (entries.some(({ kind }) => kind === 'refund'))
        throw new OrderSettledError(`order ${orderId} was refunded; it cannot be charged`);
      let applied = false;
      if (entries.length === 0) {
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

  /**
   * Whether a charge of `amountCents` would be accepted now, charging nothing: the same limit
   * as `charge`. Only advice (another order may take the room before the charge comes), which
   * is all a round for the table needs before it submits.
   */
  async check(
    customerId: string,
    amountCents: number,
  ): Promise<{ allowed: boolean; reason: string; balanceCents: number }> {
    const customer = await this.#pool.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
    if (customer.rowCount === 0) throw new UnknownCustomerError(`no customer has id ${customerId}`);
    const balance = await this.#balance(this.#pool, customerId);
    const allowed = balance + amountCents <= this.#limitCents;
    return {
      allowed,
      reason: allowed
        ? ''
        : `the tab would reach ${balance + amountCents} cents, over its limit of ${this.#limitCents} cents`,
      balanceCents: balance,
    };
  }

  /**
   * Refunds the order's charge once and closes its payment; for an order never charged it
   * writes a zero refund, so a charge arriving later is refused. `applied` is whether money
   * was given back.
   */
  async refund(
    customerId: string,
    orderId: string,
  ): Promise<{ balanceCents: number; applied: boolean }> {
    return withTransaction(this.#pool, async (client) => {
      const customer = await client.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [
        customerId,
      ]);
      if (customer.rowCount === 0) return { balanceCents: 0, applied: false };
      const { rows } = await client.query<{ amount_cents: number }>(
        `INSERT INTO tab_entries (customer_id, order_id, kind, amount_cents)
         SELECT $2, $1, 'refund', COALESCE(
           (SELECT amount_cents FROM tab_entries
             WHERE order_id = $1 AND customer_id = $2 AND kind = 'charge'), 0)
         ON CONFLICT (order_id, kind) DO NOTHING
         RETURNING amount_cents`,
        [orderId, customerId],
      );
      return {
        balanceCents: await this.#balance(client, customerId),
        applied: (rows[0]?.amount_cents ?? 0) > 0,
      };
    });
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
