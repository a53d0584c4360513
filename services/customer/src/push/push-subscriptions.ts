import type pg from 'pg';
import { withTransaction } from '@everything/postgres';

/** A browser's PushSubscription: where to send and the keys to encrypt for it (RFC 8291). */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export class PushSubscriptionError extends Error {
  override name = 'PushSubscriptionError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Checks the keys' shapes: a P-256 public key (65 bytes) and a 16-byte auth secret. */
export function checkKeys(keys: PushSubscription['keys']): void {
  const bytes = (value: string) => Buffer.from(value, 'base64url').length;
  if (!BASE64URL.test(keys.p256dh) || bytes(keys.p256dh) !== 65)
    throw new PushSubscriptionError('keys.p256dh', 'must be a base64url P-256 public key');
  if (!BASE64URL.test(keys.auth) || bytes(keys.auth) !== 16)
    throw new PushSubscriptionError('keys.auth', 'must be a base64url 16-byte secret');
}

/** The browsers one customer is notified on: their phones, tablets and computers, and then some. */
export const MAX_BROWSERS = 10;

export class PushSubscriptions {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Saves a browser for a customer; the same browser subscribing again replaces its keys. A
   * customer keeps the MAX_BROWSERS they subscribed most recently: every event is sent to each,
   * so one account can never make the service send without bound. Under the customer's row
   * lock, so concurrent subscriptions keep the bound too.
   */
  async save(customerId: string, subscription: PushSubscription): Promise<void> {
    await withTransaction(this.#pool, async (client) => {
      await client.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [customerId]);
      await client.query(
        `INSERT INTO push_subscriptions (endpoint, customer_id, p256dh, auth) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE SET customer_id = $2, p256dh = $3, auth = $4, created_at = now()`,
        [subscription.endpoint, customerId, subscription.keys.p256dh, subscription.keys.auth],
      );
      await client.query(
        `DELETE FROM push_subscriptions WHERE customer_id = $1 AND endpoint NOT IN (
           SELECT endpoint FROM push_subscriptions WHERE customer_id = $1
            ORDER BY created_at DESC, endpoint LIMIT $2)`,
        [customerId, MAX_BROWSERS],
      );
    });
  }

  /** Removes a customer's browser; false when they had none with that endpoint. */
  async remove(customerId: string, endpoint: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'DELETE FROM push_subscriptions WHERE endpoint = $1 AND customer_id = $2',
      [endpoint, customerId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The push service says the browser is gone (404, 410). */
  async forget(endpoint: string): Promise<void> {
    await this.#pool.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
  }

  async ofCustomer(customerId: string): Promise<PushSubscription[]> {
    const { rows } = await this.#pool.query<{ endpoint: string; p256dh: string; auth: string }>(
      'SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE customer_id = $1 ORDER BY created_at',
      [customerId],
    );
    return rows.map((row) => ({
      endpoint: row.endpoint,
      keys: { p256dh: row.p256dh, auth: row.auth },
    }));
  }

  async remindAt(orderId: string, customerId: string, dueAt: Date): Promise<void> {
    await this.#pool.query(
      'INSERT INTO push_reminders (order_id, customer_id, due_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [orderId, customerId, dueAt],
    );
  }

  async cancelReminder(orderId: string): Promise<void> {
    await this.#pool.query('DELETE FROM push_reminders WHERE order_id = $1', [orderId]);
  }

  /** Removes and returns the reminders due by `now`: whoever takes one sends it. */
  async takeDueReminders(now: Date): Promise<{ orderId: string; customerId: string }[]> {
    const { rows } = await this.#pool.query<{ order_id: string; customer_id: string }>(
      `DELETE FROM push_reminders WHERE order_id IN (
         SELECT order_id FROM push_reminders WHERE due_at <= $1 ORDER BY due_at LIMIT 50 FOR UPDATE SKIP LOCKED)
       RETURNING order_id, customer_id`,
      [now],
    );
    return rows.map((row) => ({ orderId: row.order_id, customerId: row.customer_id }));
  }

  /** Claims one event's delivery to one browser: true the first time only, so none is sent twice. */
  async claimDelivery(eventId: string, endpoint: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'INSERT INTO push_deliveries (event_id, endpoint) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [eventId, endpoint],
    );
    return rowCount === 1;
  }
}
