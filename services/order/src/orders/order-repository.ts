import { createHash, randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import type pg from 'pg';
import { checkOrderEventToWrite, ORDER_EVENT_SCHEMA_VERSION } from '@everything/events';
import { withTransaction } from '@everything/postgres';
import { countPlaced, countTransition, type Milestones } from '../metrics.ts';
import type {
  CustomerNotification,
  Order,
  OrderLine,
  OrderStatus,
  QueueEstimate,
} from './order.ts';

interface OrderRow {
  id: string;
  customer_id: string;
  customer_name: string;
  status: OrderStatus;
  status_reason: string | null;
  total_cents: number;
  discount_cents: number;
  points_redeemed: number;
  placed_at: Date;
  updated_at: Date;
  accept_by: Date;
  schedule_id: string | null;
  round_id: string | null;
  payer_id: string | null;
  lines: OrderLine[];
}

const select = `
  SELECT o.id, o.customer_id, o.customer_name, o.status, o.status_reason, o.total_cents, o.discount_cents, o.points_redeemed,
         o.placed_at, o.updated_at, o.accept_by, o.schedule_id, o.round_id, o.payer_id,
         (SELECT json_agg(json_build_object(
                   'menuItemId', l.menu_item_id, 'name', l.name, 'quantity', l.quantity,
                   'options', l.options, 'unitPriceCents', l.unit_price_cents) ORDER BY l.position)
            FROM order_lines l WHERE l.order_id = o.id) AS lines
    FROM orders o`;

const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  customerId: row.customer_id,
  customerName: row.customer_name,
  status: row.status,
  statusReason: row.status_reason ?? undefined,
  lines: row.lines,
  totalCents: row.total_cents,
  discountCents: row.discount_cents,
  pointsRedeemed: row.points_redeemed,
  placedAt: row.placed_at,
  updatedAt: row.updated_at,
  acceptBy: row.accept_by,
  scheduleId: row.schedule_id ?? undefined,
  roundId: row.round_id ?? undefined,
  payerId: row.payer_id ?? undefined,
});

export class OrderConflictError extends Error {
  override name = 'OrderConflictError';
}

/** The customer's idempotency key already placed an order for a different request. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

/** A client's idempotency key (a digest of it, scoped to the customer) and its request's fingerprint. */
export interface IdempotencyKey {
  digest: string;
  fingerprint: string;
}

/** How long the database remembers an idempotency key, as the server's fast path does. */
const IDEMPOTENCY_KEY_HOURS = 24;

type Db = pg.Pool | pg.PoolClient;

/** An order as it is first stored: what the database fills in left out. */
export type NewOrder = Omit<Order, 'placedAt' | 'updatedAt' | 'status' | 'statusReason'>;

// A key no other lock in order_db uses.
const OUTBOX_WRITE_LOCK = 4_242_002;

/** The barista's recent pace when there is no history yet: three minutes a drink. */
const DEFAULT_PACE_SECONDS = 180;

/** The barista's recent pace: mean seconds from accepted to ready of the last 20 orders ($1 without any). */
const paceOfRecentOrders = `pace AS (
         SELECT COALESCE(avg(EXTRACT(EPOCH FROM ready_at - accepted_at)), $1)::float8 AS seconds
           FROM (SELECT ready_at, accepted_at FROM orders WHERE ready_at IS NOT NULL AND accepted_at IS NOT NULL
                  ORDER BY ready_at DESC LIMIT 20) recent)`;

/** Ready once the orders ahead of it and itself are made, each at the barista's pace. */
const estimateOf = (position: number, paceSeconds: number, now: number): QueueEstimate => ({
  position,
  estimatedReadyAt: new Date(now + (position + 1) * paceSeconds * 1000),
});

export class OrderRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Stores a new order with its `order.placed` event in one transaction. Placing an id that
   * exists returns the stored order (a retry); an id taken by another customer is a conflict.
   * With an idempotency key, the order that key placed in the last 24 hours is returned
   * instead, whatever id the retry carries: the key is claimed in the same transaction, so
   * two attempts with one key never both create an order.
   */
  async insertPlaced(
    order: NewOrder,
    idempotency?: IdempotencyKey,
  ): Promise<{ order: Order; created: boolean }> {
    const result = await withTransaction(this.#pool, async (client) => {
      if (idempotency) {
        const placedBefore = await this.#claimKey(client, order, idempotency);
        if (placedBefore) return { order: placedBefore, created: false };
      }
      return this.#insert(client, order);
    });
    if (result.created) countPlaced(result.order.lines);
    return result;
  }

  /**
   * Stores new orders, with their events, inside the caller's transaction, so they commit
   * together with whatever else it writes (a round's submit). Counted once the caller commits.
   */
  async insertPlacedWithin(client: pg.PoolClient, orders: NewOrder[]): Promise<Order[]> {
    const stored: Order[] = [];
    for (const order of orders) stored.push((await this.#insert(client, order)).order);
    return stored;
  }

  async #insert(
    client: pg.PoolClient,
    order: NewOrder,
  ): Promise<{ order: Order; created: boolean }> {
    const inserted = await client.query(
      `INSERT INTO orders (id, customer_id, customer_name, status, total_cents, discount_cents, points_redeemed, accept_by, schedule_id, round_id, payer_id)
       VALUES ($1, $2, $3, 'placed', $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [
        order.id,
        order.customerId,
        order.customerName,
        order.totalCents,
        order.discountCents,
        order.pointsRedeemed,
        order.acceptBy,
        order.scheduleId ?? null,
        order.roundId ?? null,
        order.payerId ?? null,
      ],
    );
    if (inserted.rowCount === 0) {
      const existing = await this.#find(client, order.id);
      if (existing?.customerId !== order.customerId)
        throw new OrderConflictError(`order ${order.id} belongs to someone else`);
      return { order: existing, created: false };
    }
    for (const [position, line] of order.lines.entries()) {
      await client.query(
        `INSERT INTO order_lines (order_id, position, menu_item_id, name, quantity, options, unit_price_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          order.id,
          position,
          line.menuItemId,
          line.name,
          line.quantity,
          JSON.stringify(line.options),
          line.unitPriceCents,
        ],
      );
    }
    const stored = (await this.#find(client, order.id)) as Order;
    await this.#appendEvent(client, stored);
    return { order: stored, created: true };
  }

  /**
   * Records a transition decided by the workflow, with its event, in one transaction. Applying
   * the same transition again (an activity retried after it had committed) changes nothing.
   */
  async transition(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    reason?: string,
  ): Promise<Order> {
    const { order, since } = await withTransaction(this.#pool, async (client) => {
      const roundId = await this.#lockRoundOf(client, orderId);
      // The waits end now; RETURNING sees the new row, whose earlier milestones are unchanged.
      const { rows } = await client.query<Milestones>(
        `UPDATE orders SET status = $3, status_reason = $4, updated_at = now(),
                accepted_at = CASE WHEN $3 = 'accepted' THEN now() ELSE accepted_at END,
                ready_at = CASE WHEN $3 = 'ready' THEN now() ELSE ready_at END
          WHERE id = $1 AND status = $2
          RETURNING extract(epoch FROM now() - placed_at)::float8 AS since_placed,
                    extract(epoch FROM now() - accepted_at)::float8 AS since_accepted,
                    extract(epoch FROM now() - ready_at)::float8 AS since_ready`,
        [orderId, from, to, reason ?? null],
      );
      const found = await this.#find(client, orderId);
      if (!found) throw new Error(`order ${orderId} does not exist`);
      if (rows[0]) {
        await this.#appendEvent(client, found);
        const endsAWait = from === 'placed' || from === 'accepted';
        if (roundId && endsAWait) await this.#notifyIfRoundReady(client, roundId);
      } else if (found.status !== to)
        throw new Error(`order ${orderId} is ${found.status}, not ${from}`);
      return { order: found, since: rows[0] };
    });
    if (since) countTransition(to, since);
    return order;
  }

  /**
   * Tells the customer, through the order's event log, what happened and when the order should
   * be ready. One notification per order and subject: a retry after it committed adds nothing.
   */
  async notifyCustomer(orderId: string, about: CustomerNotification): Promise<void> {
    const found = await this.findWithQueue(orderId);
    if (!found) throw new Error(`order ${orderId} does not exist`);
    const { order, queue: estimate } = found;
    await withTransaction(this.#pool, async (client) => {
      await this.#appendEvent(client, order, {
        eventId: stableUuid(`${orderId}:notified:${about}`),
        type: 'order.customer_notified',
        notification: {
          about,
          estimatedReadyAt: estimate ? estimate.estimatedReadyAt.toISOString() : null,
        },
      });
    });
  }

  /**
   * The round of an order, locked for this transaction: the orders of one round change state
   * one at a time, so exactly one of them sees the whole round ready.
   */
  async #lockRoundOf(client: pg.PoolClient, orderId: string): Promise<string | undefined> {
    const { rows } = await client.query<{ round_id: string | null }>(
      'SELECT round_id FROM orders WHERE id = $1',
      [orderId],
    );
    const roundId = rows[0]?.round_id ?? undefined;
    if (roundId)
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('rounds:' || $1, 0))", [
        roundId,
      ]);
    return roundId;
  }

  /**
   * Once no order of the round is waiting for the barista any more, every member whose drink is
   * ready is told the whole round is (an `order.customer_notified` event on their order, which
   * their tracker and their browsers' push hear). Only the transition that ends the wait gets
   * here with nothing still open; the event id is fixed per order, so a retry adds nothing.
   */
  async #notifyIfRoundReady(client: pg.PoolClient, roundId: string): Promise<void> {
    const { rows } = await client.query<OrderRow>(`${select} WHERE o.round_id = $1`, [roundId]);
    const orders = rows.map(toOrder);
    if (orders.some((order) => order.status === 'placed' || order.status === 'accepted')) return;
    for (const order of orders.filter((each) => each.status === 'ready')) {
      await this.#appendEvent(client, order, {
        eventId: stableUuid(`${order.id}:notified:round_ready`),
        type: 'order.customer_notified',
        notification: { about: 'round_ready', estimatedReadyAt: null },
      });
    }
  }

  /**
   * Claims the key for this order, or returns the order it already placed. A concurrent claim
   * of the same key waits on the primary key until the first commits, then sees its row.
   */
  async #claimKey(
    client: pg.PoolClient,
    order: { id: string; customerId: string },
    key: IdempotencyKey,
  ): Promise<Order | undefined> {
    const claimed = await client.query(
      `INSERT INTO idempotency_keys (customer_id, key_digest, request_fingerprint, order_id)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id, key_digest) DO UPDATE
         SET request_fingerprint = EXCLUDED.request_fingerprint, order_id = EXCLUDED.order_id,
             created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => $5)`,
      [order.customerId, key.digest, key.fingerprint, order.id, IDEMPOTENCY_KEY_HOURS],
    );
    if (claimed.rowCount === 1) return undefined;
    const { rows } = await client.query<{ request_fingerprint: string; order_id: string }>(
      `SELECT request_fingerprint, order_id FROM idempotency_keys
        WHERE customer_id = $1 AND key_digest = $2`,
      [order.customerId, key.digest],
    );
    const stored = rows[0];
    if (!stored) throw new Error('an idempotency key claim found neither its row nor a free key');
    if (stored.request_fingerprint !== key.fingerprint) {
      throw new IdempotencyKeyReusedError(
        'idempotency_key: this key was used with a different request',
      );
    }
    const placed = await this.#find(client, stored.order_id);
    if (!placed) throw new Error(`order ${stored.order_id} of an idempotency key is missing`);
    return placed;
  }

  async find(id: string): Promise<Order | undefined> {
    return this.#find(this.#pool, id);
  }

  async list(filter: {
    customerId?: string;
    statuses?: OrderStatus[];
    limit: number;
  }): Promise<Order[]> {
    const { rows } = await this.#pool.query<OrderRow>(
      `${select}
        WHERE ($1::uuid IS NULL OR o.customer_id = $1) AND ($2::text[] IS NULL OR o.status = ANY($2))
        ORDER BY o.placed_at ${filter.statuses ? 'ASC' : 'DESC'} LIMIT $3`,
      [filter.customerId ?? null, filter.statuses ?? null, filter.limit],
    );
    return rows.map(toOrder);
  }

  /**
   * How long an order placed now should take to be ready: one recent-pace interval for each
   * open order and one for itself, as the queue estimate of its last place would say.
   */
  async readyInForNewOrder(): Promise<number> {
    const { rows } = await this.#pool.query<{ open: number; pace_seconds: number }>(
      `WITH ${paceOfRecentOrders}
       SELECT (SELECT count(*) FROM orders WHERE status IN ('placed', 'accepted'))::int AS open,
              pace.seconds AS pace_seconds
         FROM pace`,
      [DEFAULT_PACE_SECONDS],
    );
    const { open, pace_seconds } = rows[0] ?? { open: 0, pace_seconds: DEFAULT_PACE_SECONDS };
    return Math.round((open + 1) * pace_seconds * 1000);
  }

  /**
   * An order with its place in the queue while it waits for the barista, in one query: an
   * order read and a placement's answer each need both. The place is counted rather than read
   * from the whole queue's estimates.
   */
  async findWithQueue(
    id: string,
  ): Promise<{ order: Order; queue: QueueEstimate | undefined } | undefined> {
    const { rows } = await this.#pool.query<
      OrderRow & { position: number | null; pace_seconds: number }
    >(
      `WITH ${paceOfRecentOrders}
       SELECT found.*, pace.seconds AS pace_seconds,
              CASE WHEN found.status IN ('placed', 'accepted') THEN
                (SELECT count(*) FROM orders ahead
                  WHERE ahead.status IN ('placed', 'accepted')
                    AND (ahead.placed_at, ahead.id) < (found.placed_at, found.id))::int
              END AS position
         FROM (${select} WHERE o.id = $2) found, pace`,
      [DEFAULT_PACE_SECONDS, id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      order: toOrder(row),
      queue:
        row.position === null ? undefined : estimateOf(row.position, row.pace_seconds, Date.now()),
    };
  }

  /**
   * Where each waiting order stands. The barista makes drinks in the order they came in, so
   * an order's position is the number of open orders placed before it, and its estimate is
   * one recent-pace interval per order up to and including it.
   */
  async queueEstimates(): Promise<Map<string, QueueEstimate>> {
    const { rows } = await this.#pool.query<{ id: string; position: number; pace_seconds: number }>(
      `WITH ${paceOfRecentOrders}
       SELECT o.id, (row_number() OVER (ORDER BY o.placed_at, o.id) - 1)::int AS position, pace.seconds AS pace_seconds
         FROM orders o, pace WHERE o.status IN ('placed', 'accepted')`,
      [DEFAULT_PACE_SECONDS],
    );
    const now = Date.now();
    return new Map(rows.map((row) => [row.id, estimateOf(row.position, row.pace_seconds, now)]));
  }

  async #find(db: Db, id: string): Promise<Order | undefined> {
    const { rows } = await db.query<OrderRow>(`${select} WHERE o.id = $1`, [id]);
    return rows[0] && toOrder(rows[0]);
  }

  async #appendEvent(
    client: pg.PoolClient,
    order: Order,
    notice?: {
      eventId: string;
      type: string;
      notification: { about: CustomerNotification; estimatedReadyAt: string | null };
    },
  ): Promise<void> {
    const eventId = notice?.eventId ?? randomUUID();
    const payload = {
      eventId,
      type: notice?.type ?? `order.${order.status}`,
      schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
      occurredAt: order.updatedAt.toISOString(),
      order: {
        id: order.id,
        customerId: order.customerId,
        customerName: order.customerName,
        status: order.status,
        statusReason: order.statusReason ?? null,
        totalCents: order.totalCents,
        lines: order.lines.map((line) => ({
          menuItemId: line.menuItemId,
          name: line.name,
          quantity: line.quantity,
          unitPriceCents: line.unitPriceCents,
        })),
      },
      ...(notice && { notification: notice.notification }),
    };
    // What the event schema does not allow never reaches the outbox: the transaction fails here.
    checkOrderEventToWrite(payload);
    // Outbox ids are taken at insert but become visible at commit. Serialising the writers
    // (until commit) makes ids visible in order, so a reader resuming after id N never skips
    // an id below N that commits later.
    await client.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_WRITE_LOCK]);
    await client.query(
      `INSERT INTO outbox (event_id, order_id, type, schema_version, payload, occurred_at, trace_context)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING`,
      [
        eventId,
        order.id,
        payload.type,
        ORDER_EVENT_SCHEMA_VERSION,
        JSON.stringify(payload),
        order.updatedAt,
        JSON.stringify(traceContext()),
      ],
    );
    // Wakes the outbox relay at once instead of at its next poll.
    await client.query("NOTIFY outbox, ''");
  }
}

/** A UUID that the same name always gives (the bytes of its SHA-256, shaped as a version 8 UUID). */
function stableUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The current trace context as W3C headers (empty when nothing is traced). */
function traceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
