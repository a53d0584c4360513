import pg from 'pg';
import type { Logger } from '@everything/logger';
import { connectionOptions, type PostgresConfig } from '@everything/postgres';

export interface FeedEvent {
  sequence: number;
  eventId: string;
  type: string;
  orderId: string;
  occurredAt: Date;
  payload: unknown;
}

interface Row {
  id: string;
  event_id: string;
  type: string;
  order_id: string;
  occurred_at: Date;
  payload: unknown;
}

/**
 * Streams the outbox, which is also each order's event log, to watchers: the barista's queue
 * and customers' trackers. Every replica can serve any watcher, because the log is in
 * Postgres; one LISTEN connection per replica wakes the watchers when an event is written,
 * and a slow poll covers a missed notification.
 */
export class OrderFeed {
  readonly #pool: pg.Pool;
  readonly #database: PostgresConfig;
  readonly #logger: Logger;
  readonly #waiters = new Set<() => void>();
  #listener: pg.Client | undefined;
  #closed = false;

  constructor(pool: pg.Pool, database: PostgresConfig, logger: Logger) {
    this.#pool = pool;
    this.#database = database;
    this.#logger = logger.child({ component: 'order-feed' });
  }

  get open(): boolean {
    return !this.#closed;
  }

  /** The newest sequence now, for watchers that start "from now". */
  async latest(): Promise<number> {
    const { rows } = await this.#pool.query<{ id: string | null }>(
      'SELECT max(id) AS id FROM outbox',
    );
    return Number(rows[0]?.id ?? 0);
  }

  /** Events after `after` (of one order, or all), oldest first; waits up to `waitMs` when there are none. */
  async next(after: number, orderId: string | undefined, waitMs: number): Promise<FeedEvent[]> {
    // Waiting starts before the read, so a notification between the two is not missed.
    await this.#listen();
    const wait = this.#wait(waitMs);
    const events = await this.#read(after, orderId);
    if (events.length > 0 || this.#closed) {
      wait.cancel();
      return events;
    }
    await wait.done;
    return this.#read(after, orderId);
  }

  close(): void {
    this.#closed = true;
    for (const wake of this.#waiters) wake();
    void this.#listener?.end().catch(() => undefined);
  }

  async #read(after: number, orderId: string | undefined): Promise<FeedEvent[]> {
    const { rows } = await this.#pool.query<Row>(
      `SELECT id, event_id, type, order_id, occurred_at, payload FROM outbox
        WHERE id > $1 AND ($2::uuid IS NULL OR order_id = $2) ORDER BY id LIMIT 100`,
      [after, orderId ?? null],
    );
    return rows.map((row) => ({
      sequence: Number(row.id),
      eventId: row.event_id,
      type: row.type,
      orderId: row.order_id,
      occurredAt: row.occurred_at,
      payload: row.payload,
    }));
  }

  #wait(ms: number): { done: Promise<void>; cancel: () => void } {
    let wake = () => {};
    const done = new Promise<void>((resolve) => {
      wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#waiters.add(wake);
    });
    return { done, cancel: wake };
  }

  /** Opens the LISTEN connection on first use and again after it fails; polling covers the gap. */
  async #listen(): Promise<void> {
    if (this.#listener || this.#closed) return;
    const client = new pg.Client(connectionOptions(this.#database, 'order-feed'));
    this.#listener = client;
    client.on('notification', () => {
      for (const wake of this.#waiters) wake();
    });
    client.on('error', (error) => {
      this.#logger.warn({ err: error }, 'order feed lost its LISTEN connection');
      if (this.#listener === client) this.#listener = undefined;
    });
    try {
      await client.connect();
      await client.query('LISTEN outbox');
    } catch (error) {
      this.#logger.warn({ err: error }, 'order feed cannot LISTEN; polling');
      if (this.#listener === client) this.#listener = undefined;
      await client.end().catch(() => undefined);
    }
  }
}
