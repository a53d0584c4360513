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

/** Events one watcher may have waiting in memory; a watcher further behind reads them from the log. */
export const MAX_HELD_EVENTS = 256;
/** Rows per read of the log, by the shared reader and by a watcher catching up. */
const PAGE = 100;
/** How often the shared reader looks without a notification: a missed NOTIFY costs at most this. */
const POLL_MS = { listening: 15_000, notListening: 2_000 };

/** One watcher's view of the feed: events after the last one it took, in order, without gaps. */
export interface FeedSubscription {
  /** The next events, oldest first; waits up to `waitMs` for one, then returns none. */
  next(waitMs: number): Promise<FeedEvent[]>;
  close(): void;
}

const toEvent = (row: Row): FeedEvent => ({
  sequence: Number(row.id),
  eventId: row.event_id,
  type: row.type,
  orderId: row.order_id,
  occurredAt: row.occurred_at,
  payload: row.payload,
});

class Watcher implements FeedSubscription {
  readonly orderId: string | undefined;
  #cursor: number;
  #held: FeedEvent[] = [];
  /** Set when what this watcher has not taken yet may be only in the log, not in `#held`. */
  #fromLog = true;
  #closed = false;
  #wake: (() => void) | undefined;
  readonly #read: (after: number, orderId: string | undefined) => Promise<FeedEvent[]>;
  readonly #onClose: (watcher: Watcher) => void;

  constructor(
    after: number,
    orderId: string | undefined,
    read: (after: number, orderId: string | undefined) => Promise<FeedEvent[]>,
    onClose: (watcher: Watcher) => void,
  ) {
    this.#cursor = after;
    this.orderId = orderId;
    this.#read = read;
    this.#onClose = onClose;
  }

  /** From the shared reader, in sequence order. A watcher too far behind lets go and reads the log. */
  offer(event: FeedEvent): void {
    if (event.sequence <= this.#cursor || (this.orderId && event.orderId !== this.orderId)) return;
    if (this.#held.length >= MAX_HELD_EVENTS) {
      this.#held = [];
      this.#fromLog = true;
    } else {
      this.#held.push(event);
    }
    this.#wake?.();
  }

  async next(waitMs: number): Promise<FeedEvent[]> {
    for (let waited = false; !this.#closed; waited = true) {
      if (this.#fromLog) {
        // Cleared before the read: whatever the shared reader offers from now on is held, and
        // everything it offered before is already in the log this read sees.
        this.#fromLog = false;
        const rows = await this.#read(this.#cursor, this.orderId);
        if (rows.length === PAGE) this.#fromLog = true;
        const fresh = this.#take(rows);
        if (fresh.length > 0) return fresh;
      }
      const fresh = this.#take(this.#held.splice(0));
      if (fresh.length > 0) return fresh;
      if (waited) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
        const timer = setTimeout(wake, waitMs);
        this.#wake = wake;
      });
    }
    return [];
  }

  get held(): number {
    return this.#held.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#held = [];
    this.#wake?.();
    this.#onClose(this);
  }

  #take(events: FeedEvent[]): FeedEvent[] {
    const fresh = events.filter((event) => event.sequence > this.#cursor);
    const last = fresh.at(-1);
    if (last) this.#cursor = last.sequence;
    return fresh;
  }
}

/**
 * Streams the outbox, which is also each order's event log, to watchers: the barista's queue
 * and customers' trackers. Every replica can serve any watcher, because the log is in
 * Postgres. One reader per replica follows the log (woken by one LISTEN connection, with a
 * slow poll for a missed notification) and hands each new event to every watcher in memory,
 * so a notification costs one query however many watch. A watcher reads the log itself only
 * to catch up: when it starts, after a page, or when it fell more than MAX_HELD_EVENTS behind
 * (a slow client), so no watcher holds more than that in memory.
 */
export class OrderFeed {
  readonly #pool: pg.Pool;
  readonly #database: PostgresConfig;
  readonly #logger: Logger;
  readonly #watchers = new Set<Watcher>();
  #listener: pg.Client | undefined;
  #closed = false;
  /** The newest sequence handed to watchers; set once the shared reader has started. */
  #head: Promise<number> | undefined;
  #reading = false;
  #readAgain = false;
  #poll: NodeJS.Timeout | undefined;

  constructor(pool: pg.Pool, database: PostgresConfig, logger: Logger) {
    this.#pool = pool;
    this.#database = database;
    this.#logger = logger.child({ component: 'order-feed' });
  }

  get open(): boolean {
    return !this.#closed;
  }

  /** What the feed holds in memory now: its watchers, and the most events any one has waiting. */
  get usage(): { watchers: number; mostHeld: number } {
    let mostHeld = 0;
    for (const watcher of this.#watchers) mostHeld = Math.max(mostHeld, watcher.held);
    return { watchers: this.#watchers.size, mostHeld };
  }

  /**
   * Follows the log after `after` ('now': from the newest event), of one order or of all.
   * The shared reader's position is known before the watcher joins, so every later event
   * either reaches the watcher from the reader or was in the log before its first read.
   */
  async subscribe(after: number | 'now', orderId?: string): Promise<FeedSubscription> {
    const head = await this.#start();
    const watcher = new Watcher(
      after === 'now' ? head : after,
      orderId,
      (from, order) => this.#read(from, order, PAGE),
      (closed) => this.#watchers.delete(closed),
    );
    if (this.#closed) watcher.close();
    else this.#watchers.add(watcher);
    return watcher;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#poll);
    for (const watcher of this.#watchers) watcher.close();
    void this.#listener?.end().catch(() => undefined);
  }

  /**
   * Starts the shared reader, so the first watcher does not wait for it and "now" is known at
   * once. Failing (the database is down) leaves it to the first watcher to try again.
   */
  async start(): Promise<void> {
    await this.#start();
  }

  /** Starts the shared reader once; resolves to the newest sequence it has handed on. */
  #start(): Promise<number> {
    this.#head ??= (async () => {
      await this.#listen();
      const { rows } = await this.#pool.query<{ id: string | null }>(
        'SELECT max(id) AS id FROM outbox',
      );
      this.#schedulePoll();
      return Number(rows[0]?.id ?? 0);
    })().catch((error: unknown) => {
      this.#head = undefined;
      throw error;
    });
    return this.#head;
  }

  /** Reads what is new once and offers it to every watcher; a wake-up while reading reads again. */
  async #readNew(): Promise<void> {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    if (!this.#head || this.#closed) return;
    this.#reading = true;
    try {
      let head = await this.#head;
      do {
        this.#readAgain = false;
        let page: FeedEvent[];
        do {
          page = await this.#read(head, undefined, PAGE * 5);
          for (const event of page) for (const watcher of this.#watchers) watcher.offer(event);
          head = page.at(-1)?.sequence ?? head;
          this.#head = Promise.resolve(head);
        } while (page.length === PAGE * 5 && this.open);
      } while (this.#wokenWhileReading() && this.open);
    } catch (error) {
      this.#logger.warn({ err: error }, 'order feed cannot read the log; retrying');
    } finally {
      this.#reading = false;
    }
  }

  // A method, not the field, so the compiler does not assume the flag cannot change across awaits.
  #wokenWhileReading(): boolean {
    return this.#readAgain;
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    clearTimeout(this.#poll);
    this.#poll = setTimeout(
      () => {
        void this.#listen()
          .then(() => this.#readNew())
          .finally(() => this.#schedulePoll());
      },
      this.#listener ? POLL_MS.listening : POLL_MS.notListening,
    );
    this.#poll.unref();
  }

  async #read(after: number, orderId: string | undefined, limit: number): Promise<FeedEvent[]> {
    const { rows } = await this.#pool.query<Row>(
      `SELECT id, event_id, type, order_id, occurred_at, payload FROM outbox
        WHERE id > $1 AND ($2::uuid IS NULL OR order_id = $2) ORDER BY id LIMIT $3`,
      [after, orderId ?? null, limit],
    );
    return rows.map(toEvent);
  }

  /** Opens the LISTEN connection on first use and again after it fails; polling covers the gap. */
  async #listen(): Promise<void> {
    if (this.#listener || this.#closed) return;
    const client = new pg.Client(connectionOptions(this.#database, 'order-feed'));
    this.#listener = client;
    client.on('notification', () => void this.#readNew());
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
