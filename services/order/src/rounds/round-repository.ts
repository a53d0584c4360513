import type pg from 'pg';
import { withTransaction } from '@everything/postgres';
import { countPlaced } from '../metrics.ts';
import type { Order, OrderStatus } from '../orders/order.ts';
import type { NewOrder, OrderRepository } from '../orders/order-repository.ts';
import type { LineRequest } from '../orders/pricing.ts';
import {
  MAX_ROUND_MEMBERS,
  RoundConflictError,
  RoundNotFoundError,
  type Round,
  type RoundPayer,
  type RoundStatus,
} from './round.ts';

interface RoundRow {
  id: string;
  code: string;
  starter_id: string;
  status: RoundStatus;
  payer: RoundPayer;
  created_at: Date;
  submitted_at: Date | null;
  members:
    | {
        customerId: string;
        customerName: string;
        lines: LineRequest[];
        orderId: string | null;
        orderStatus: OrderStatus | null;
        joinedAt: string;
      }[]
    | null;
}

// The starter first, then the others in the order they joined.
const select = `
  SELECT r.id, r.code, r.starter_id, r.status, r.payer, r.created_at, r.submitted_at,
         (SELECT json_agg(json_build_object(
                   'customerId', m.customer_id, 'customerName', m.customer_name, 'lines', m.items,
                   'orderId', m.order_id, 'joinedAt', m.joined_at,
                   'orderStatus', (SELECT o.status FROM orders o WHERE o.id = m.order_id))
                   ORDER BY m.customer_id <> r.starter_id, m.joined_at, m.customer_id)
            FROM round_members m WHERE m.round_id = r.id) AS members
    FROM rounds r`;

const toRound = (row: RoundRow): Round => ({
  id: row.id,
  code: row.code,
  starterId: row.starter_id,
  status: row.status,
  payer: row.payer,
  members: (row.members ?? []).map((member) => ({
    customerId: member.customerId,
    customerName: member.customerName,
    lines: member.lines,
    orderId: member.orderId ?? undefined,
    orderStatus: member.orderStatus ?? undefined,
    joinedAt: new Date(member.joinedAt),
  })),
  createdAt: row.created_at,
  submittedAt: row.submitted_at ?? undefined,
});

/** What a submit decided while it held the round: the orders to place, or why not. */
export type SubmitDecision = { orders: NewOrder[]; payer: RoundPayer } | { refused: true };

export class TooManyOpenRoundsError extends Error {
  override name = 'TooManyOpenRoundsError';
}

export class CodeTakenError extends Error {
  override name = 'CodeTakenError';
}

const UNIQUE_VIOLATION = '23505';

export class RoundRepository {
  readonly #pool: pg.Pool;
  readonly #orders: OrderRepository;

  constructor(pool: pg.Pool, orders: OrderRepository) {
    this.#pool = pool;
    this.#orders = orders;
  }

  /** Stores a new round with its starter as the first member; CodeTakenError when an open round has the code. */
  async insert(
    round: { id: string; code: string; starterId: string; starterName: string },
    maxOpenPerStarter: number,
  ) {
    try {
      await withTransaction(this.#pool, async (client) => {
        // One starter's starts one at a time, so two at once cannot both pass the count.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('rounds started by ' || $1))", [
          round.starterId,
        ]);
        const { rows } = await client.query<{ open: number }>(
          "SELECT count(*)::int AS open FROM rounds WHERE starter_id = $1 AND status = 'open'",
          [round.starterId],
        );
        if ((rows[0]?.open ?? 0) >= maxOpenPerStarter) throw new TooManyOpenRoundsError();
        await client.query('INSERT INTO rounds (id, code, starter_id) VALUES ($1, $2, $3)', [
          round.id,
          round.code,
          round.starterId,
        ]);
        await client.query(
          'INSERT INTO round_members (round_id, customer_id, customer_name) VALUES ($1, $2, $3)',
          [round.id, round.starterId, round.starterName],
        );
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw new CodeTakenError(`code ${round.code} is taken`);
      throw error;
    }
  }

  async find(id: string): Promise<Round | undefined> {
    return this.#find(this.#pool, id);
  }

  async findOpenByCode(code: string): Promise<Round | undefined> {
    const { rows } = await this.#pool.query<RoundRow>(
      `${select} WHERE r.code = $1 AND r.status = 'open'`,
      [code],
    );
    return rows[0] && toRound(rows[0]);
  }

  /** Adds a member to an open round (nothing when already one), at most MAX_ROUND_MEMBERS. */
  async addMember(roundId: string, customerId: string, customerName: string): Promise<Round> {
    return this.#whileOpen(roundId, async (client, round) => {
      if (round.members.some((member) => member.customerId === customerId)) return;
      if (round.members.length >= MAX_ROUND_MEMBERS)
        throw new RoundConflictError(`the round is full: at most ${MAX_ROUND_MEMBERS} people`);
      await client.query(
        'INSERT INTO round_members (round_id, customer_id, customer_name) VALUES ($1, $2, $3)',
        [roundId, customerId, customerName],
      );
    });
  }

  async setItems(roundId: string, customerId: string, lines: LineRequest[]): Promise<Round> {
    return this.#whileOpen(roundId, async (client) => {
      await client.query(
        'UPDATE round_members SET items = $3 WHERE round_id = $1 AND customer_id = $2',
        [roundId, customerId, JSON.stringify(lines)],
      );
    });
  }

  async removeMember(roundId: string, customerId: string): Promise<void> {
    await this.#whileOpen(roundId, async (client) => {
      await client.query('DELETE FROM round_members WHERE round_id = $1 AND customer_id = $2', [
        roundId,
        customerId,
      ]);
    });
  }

  /** Deletes an open round with its members: a cancelled round is as if never started. */
  async delete(roundId: string): Promise<void> {
    await withTransaction(this.#pool, async (client) => {
      const round = await this.#lock(client, roundId);
      if (round.status !== 'open') throw new RoundConflictError(`the round is ${round.status}`);
      await client.query('DELETE FROM rounds WHERE id = $1', [roundId]);
    });
  }

  /**
   * Submits the round once: `decide` sees it while it is locked (no member can change their
   * drinks meanwhile) and says which orders to place. The orders, each member's order id and
   * the round's new status are written in one transaction, so nothing is ever half-submitted.
   * A round already submitted (a double submit, even a concurrent one) is returned with the
   * orders it placed, and `decide` is not asked.
   */
  async submit(
    roundId: string,
    decide: (round: Round) => Promise<SubmitDecision>,
  ): Promise<{ round: Round; orders: Order[]; created: boolean } | { refused: Round }> {
    const result = await withTransaction(this.#pool, async (client) => {
      const round = await this.#lock(client, roundId);
      if (round.status === 'submitted')
        return { round, orders: await this.#ordersOf(client, roundId), created: false };
      const decision = await decide(round);
      if ('refused' in decision) return { refused: round };
      const orders = await this.#orders.insertPlacedWithin(client, decision.orders);
      for (const order of orders) {
        await client.query(
          'UPDATE round_members SET order_id = $3 WHERE round_id = $1 AND customer_id = $2',
          [roundId, order.customerId, order.id],
        );
      }
      await client.query(
        "UPDATE rounds SET status = 'submitted', payer = $2, submitted_at = now() WHERE id = $1",
        [roundId, decision.payer],
      );
      return { round: await this.#lock(client, roundId), orders, created: true };
    });
    if ('created' in result && result.created)
      for (const order of result.orders) countPlaced(order.lines);
    return result;
  }

  async #ordersOf(client: pg.PoolClient, roundId: string): Promise<Order[]> {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM orders WHERE round_id = $1 ORDER BY placed_at, id',
      [roundId],
    );
    const orders: Order[] = [];
    for (const { id } of rows) {
      const order = await this.#orders.find(id);
      if (order) orders.push(order);
    }
    return orders;
  }

  /** Runs `change` on an open round, holding its row lock; returns the round after it. */
  async #whileOpen(
    roundId: string,
    change: (client: pg.PoolClient, round: Round) => Promise<void>,
  ): Promise<Round> {
    return withTransaction(this.#pool, async (client) => {
      const round = await this.#lock(client, roundId);
      if (round.status !== 'open') throw new RoundConflictError(`the round is ${round.status}`);
      await change(client, round);
      const changed = await this.#find(client, roundId);
      if (!changed) throw new Error(`round ${roundId} vanished inside its own transaction`);
      return changed;
    });
  }

  async #lock(client: pg.PoolClient, roundId: string): Promise<Round> {
    await client.query('SELECT 1 FROM rounds WHERE id = $1 FOR UPDATE', [roundId]);
    const round = await this.#find(client, roundId);
    if (!round) throw new RoundNotFoundError(`no round has id ${roundId}`);
    return round;
  }

  async #find(db: pg.Pool | pg.PoolClient, id: string): Promise<Round | undefined> {
    const { rows } = await db.query<RoundRow>(`${select} WHERE r.id = $1`, [id]);
    return rows[0] && toRound(rows[0]);
  }
}
