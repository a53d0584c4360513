import type pg from 'pg';
import type { Customer, CustomerProfile, Role } from './customer.ts';

interface CustomerRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  created_at: Date;
}

const columns = 'id, email, display_name, role, created_at';

const toCustomer = (row: CustomerRow): Customer => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  role: row.role,
  createdAt: row.created_at,
});

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

export class CustomerRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(customer: {
    email: string;
    displayName: string;
    passwordHash: string;
  }): Promise<Customer> {
    const { rows } = await this.#pool.query<CustomerRow>(
      `INSERT INTO customers (email, display_name, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO NOTHING RETURNING ${columns}`,
      [customer.email, customer.displayName, customer.passwordHash],
    );
    if (!rows[0]) throw new EmailTakenError(`an account with ${customer.email} exists`);
    return toCustomer(rows[0]);
  }

  /**
   * Creates the admin when no account has the email. An existing account is left as it is:
   * its role or password may have been changed since, and a restart must not undo that.
   */
  async createAdminIfAbsent(email: string, passwordHash: string): Promise<Customer> {
    const { rows } = await this.#pool.query<CustomerRow>(
      `WITH created AS (
         INSERT INTO customers (email, display_name, password_hash, role) VALUES ($1, 'Admin', $2, 'admin')
         ON CONFLICT (email) DO NOTHING RETURNING ${columns})
       SELECT ${columns} FROM created
       UNION ALL SELECT ${columns} FROM customers WHERE email = $1`,
      [email, passwordHash],
    );
    return toCustomer(rows[0] as CustomerRow);
  }

  async findCredentials(
    email: string,
  ): Promise<{ customer: Customer; passwordHash: string | null } | undefined> {
    const { rows } = await this.#pool.query<CustomerRow & { password_hash: string | null }>(
      `SELECT ${columns}, password_hash FROM customers WHERE email = $1`,
      [email],
    );
    return rows[0] && { customer: toCustomer(rows[0]), passwordHash: rows[0].password_hash };
  }

  async setRole(id: string, role: Role): Promise<Customer | undefined> {
    const { rows } = await this.#pool.query<CustomerRow>(
      `UPDATE customers SET role = $2 WHERE id = $1 RETURNING ${columns}`,
      [id, role],
    );
    return rows[0] && toCustomer(rows[0]);
  }

  /** The customer with the balances and stats derived from the ledgers, in one round trip. */
  async findProfile(id: string): Promise<CustomerProfile | undefined> {
    const { rows } = await this.#pool.query<
      CustomerRow & {
        tab_balance_cents: number;
        loyalty_points: number;
        orders_completed: number | null;
        total_spent_cents: number | null;
        last_order_at: Date | null;
        favorite_menu_item_id: string | null;
      }
    >(
      `SELECT c.id, c.email, c.display_name, c.role, c.created_at,
              COALESCE((SELECT sum(CASE t.kind WHEN 'charge' THEN t.amount_cents ELSE -t.amount_cents END)
                          FROM tab_entries t WHERE t.customer_id = c.id), 0)::int AS tab_balance_cents,
              COALESCE((SELECT sum(l.points) FROM loyalty_entries l WHERE l.customer_id = c.id), 0)::int
                AS loyalty_points,
              s.orders_completed, s.total_spent_cents, s.last_order_at,
              (SELECT i.menu_item_id FROM customer_item_counts i WHERE i.customer_id = c.id
                ORDER BY i.quantity DESC, i.menu_item_id LIMIT 1) AS favorite_menu_item_id
         FROM customers c LEFT JOIN customer_stats s ON s.customer_id = c.id
        WHERE c.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...toCustomer(row),
      tabBalanceCents: row.tab_balance_cents,
      loyaltyPoints: row.loyalty_points,
      stats: {
        ordersCompleted: row.orders_completed ?? 0,
        totalSpentCents: row.total_spent_cents ?? 0,
        favoriteMenuItemId: row.favorite_menu_item_id ?? undefined,
        lastOrderAt: row.last_order_at ?? undefined,
      },
    };
  }
}
