import type pg from 'pg';
import { withTransaction } from '@everything/postgres';
import { PoisonMessageError, type OrderEvent } from '../events/order-event.ts';
import { OrderSettledError, UnknownCustomerError } from '../tab/tab.ts';

/** The loyalty rule: one point for every whole euro (100 cents) of a completed order. */
export function pointsFor(totalCents: number): number {
  return Math.floor(totalCents / 100);
}

/**
 * Applies an order event to the customer's stats and loyalty ledger exactly once, in the
 * caller's transaction: the event id is recorded together with the effect, so a redelivery
 * changes nothing. Returns false when the event had already been applied.
 */
export async function applyOrderEvent(client: pg.ClientBase, event: OrderEvent): Promise<boolean> {
  const recorded = await client.query(
    'INSERT INTO processed_events (event_id, event_type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING',
    [event.eventId, event.type],
  );
  if (recorded.rowCount === 0) return false;
  if (event.type !== 'order.completed') return true;

  const { customerId } = event.order;
  const known = await client.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  if (known.rowCount === 0) throw new PoisonMessageError(`no customer has id ${customerId}`);

  await client.query(
    `INSERT INTO customer_stats (customer_id, orders_completed, total_spent_cents, last_order_at)
     VALUES ($1, 1, $2, $3)
     ON CONFLICT (customer_id) DO UPDATE SET
       orders_completed = customer_stats.orders_completed + 1,
       total_spent_cents = customer_stats.total_spent_cents + EXCLUDED.total_spent_cents,
       last_order_at = GREATEST(customer_stats.last_order_at, EXCLUDED.last_order_at)`,
    [customerId, event.order.totalCents, event.occurredAt],
  );
  for (const line of event.order.lines) {
    await client.query(
      `INSERT INTO customer_item_counts (customer_id, menu_item_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, menu_item_id) DO UPDATE SET quantity = customer_item_counts.quantity + EXCLUDED.quantity`,
      [customerId, line.menuItemId, line.quantity],
    );
  }
  const points = pointsFor(event.order.totalCents);
  if (points > 0) {
    await client.query(
      `INSERT INTO loyalty_entries (customer_id, order_id, event_id, points, reason) VALUES ($1, $2, $3, $4, 'earned')`,
      [customerId, event.order.id, event.eventId, points],
    );
  }
  return true;
}

export class NotEnoughPointsError extends Error {
  override name = 'NotEnoughPointsError';
}

const balance = async (client: pg.PoolClient, customerId: string) =>
  (
    await client.query<{ points: number }>(
      'SELECT COALESCE(sum(points), 0)::int AS points FROM loyalty_entries WHERE customer_id = $1',
      [customerId],
    )
  ).rows[0]?.points ?? 0;

/** Takes `points` for an order, once; refuses when the customer has fewer. */
export async function redeemPoints(
  pool: pg.Pool,
  customerId: string,
  orderId: string,
  points: number,
) {
  return withTransaction(pool, async (client) => {
    // The row lock serialises redemptions of one customer, so points cannot be spent twice.
    const customer = await client.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [
      customerId,
    ]);
    if (customer.rowCount === 0) throw new UnknownCustomerError(`no customer has id ${customerId}`);
    const { rows: entries } = await client.query<{ reason: string }>(
      "SELECT reason FROM loyalty_entries WHERE order_id = $1 AND reason IN ('redeemed', 'restored')",
      [orderId],
    );
    if (entries.some(({ reason }) => reason === 'restored'))
      throw new OrderSettledError(`order ${orderId} gave its points back; it cannot redeem any`);
    const done = entries.length > 0;
    if (!done) {
      const available = await balance(client, customerId);
      if (available < points)
        throw new NotEnoughPointsError(
          `a free drink needs ${points} points; the customer has ${available}`,
        );
      await client.query(
        "INSERT INTO loyalty_entries (customer_id, order_id, event_id, points, reason) VALUES ($1, $2, gen_random_uuid(), $3, 'redeemed')",
        [customerId, orderId, -points],
      );
    }
    return { loyaltyPoints: await balance(client, customerId), applied: !done };
  });
}

/**
 * Gives back what an order redeemed, once: for a cancelled order. Like a refund, it closes the
 * order's points even when none were redeemed (a zero entry under the customer's row lock), so
 * a redemption that arrives late is refused. `applied` is whether points were given back.
 */
export async function restorePoints(pool: pg.Pool, customerId: string, orderId: string) {
  return withTransaction(pool, async (client) => {
    const customer = await client.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [
      customerId,
    ]);
    if (customer.rowCount === 0) return { loyaltyPoints: 0, applied: false };
    const { rows } = await client.query<{ points: number }>(
      `INSERT INTO loyalty_entries (customer_id, order_id, event_id, points, reason)
       SELECT $2, $1, gen_random_uuid(), COALESCE(
         (SELECT -points FROM loyalty_entries
           WHERE order_id = $1 AND customer_id = $2 AND reason = 'redeemed'), 0), 'restored'
       ON CONFLICT DO NOTHING
       RETURNING points`,
      [orderId, customerId],
    );
    return {
      loyaltyPoints: await balance(client, customerId),
      applied: (rows[0]?.points ?? 0) > 0,
    };
  });
}
