import type pg from 'pg';
import type { Customer } from './customer.ts';

interface CustomerRow {
  id: string;
  email: string;
  display_name: string;
  created_at: Date;
}

const toCustomer = (row: CustomerRow): Customer => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  createdAt: row.created_at,
});

export class CustomerRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async findById(id: string): Promise<Customer | undefined> {
    const { rows } = await this.#pool.query<CustomerRow>(
      'SELECT id, email, display_name, created_at FROM customers WHERE id = $1',
      [id],
    );
    return rows[0] && toCustomer(rows[0]);
  }
}
