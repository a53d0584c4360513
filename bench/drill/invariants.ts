// The books, read from the databases (order_db, customer_db), the dead-letter topic's offsets and
// what the drill's own SSE watchers received; never from the logs. Each invariant is a list of
// violations, empty when it holds; a violation names the order and what is wrong with it.
import pg from 'pg';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { required } from './processes.ts';

export const invariantNames = {
  acknowledged: 'every 2xx order kept',
  chargedOnce: 'no double charge',
  refunds: 'cancelled: one refund',
  completedCharged: 'completed: one charge = total',
  points: 'loyalty points',
  events: 'events once, DLQ empty',
  streams: 'SSE saw every event',
} as const;
export type Invariant = keyof typeof invariantNames;
export type Violations = Record<Invariant, string[]>;

function database(name: 'order' | 'customer') {
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port: Number(required('PG_PORT')),
    database: `${name}_db`,
    user: `${name}_service`,
    password: required(name === 'order' ? 'ORDER_DB_PASSWORD' : 'CUSTOMER_DB_PASSWORD'),
    max: 2,
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
  });
  // An idle connection cut by a restart of PostgreSQL: the next query takes a new one.
  pool.on('error', () => undefined);
  return pool;
}

export interface OrderRow {
  id: string;
  customer_id: string;
  status: string;
  total_cents: number;
  open_too_long: boolean;
}
interface EntryRow {
  order_id: string;
  kind: string;
  amount_cents: number;
}
interface LoyaltyRow {
  customer_id: string;
  order_id: string;
  points: number;
  reason: string;
}
interface OutboxRow {
  id: string;
  event_id: string;
  published: boolean;
}
interface StatsRow {
  customer_id: string;
  orders_completed: number;
}
/** What the invariants are judged on, read at one moment (the traffic paused). */
export interface Books {
  orders: OrderRow[];
  tab: EntryRow[];
  loyalty: LoyaltyRow[];
  outbox: OutboxRow[];
  processed: string[];
  stats: StatsRow[];
  /** Messages ever written to the dead-letter topic. */
  deadLetters: number;
}

/** What each acknowledged state allows the order to be in now. */
const reachable: Record<string, string[]> = {
  placed: ['placed', 'accepted', 'ready', 'completed', 'cancelled', 'expired'],
  accepted: ['accepted', 'ready', 'completed', 'expired'],
  ready: ['ready', 'completed', 'expired'],
  completed: ['completed'],
  cancelled: ['cancelled'],
};

export class Bookkeeper {
  readonly #orders = database('order');
  readonly #customers = database('customer');

  async close() {
    await Promise.all([this.#orders.end(), this.#customers.end()]);
  }

  /** The event log's last id: watchers started now must see every later event. */
  async lastEventId(): Promise<number> {
    const { rows } = await this.#orders.query<{ id: string | null }>(
      'SELECT max(id) AS id FROM outbox',
    );
    return Number(rows[0]?.id ?? 0);
  }

  /** When the first and the last of these orders' accept timeouts pass, in ms since the epoch. */
  async acceptDeadlines(ids: string[]): Promise<{ first: number; last: number }> {
    const { rows } = await this.#orders.query<{ first: Date | null; last: Date | null }>(
      'SELECT min(accept_by) AS first, max(accept_by) AS last FROM orders WHERE id = ANY($1)',
      [ids],
    );
    const { first, last } = rows[0] ?? {};
    if (!first || !last) throw new Error('none of the orders is in order_db');
    return { first: first.getTime(), last: last.getTime() };
  }

  /** Waits until each of these orders has its charge; fails at the deadline. */
  async waitCharged(ids: string[], deadline: number): Promise<void> {
    for (;;) {
      const { rows } = await this.#customers.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM tab_entries WHERE order_id = ANY($1) AND kind = 'charge'",
        [ids],
      );
      const charged = rows[0]?.count ?? 0;
      if (charged === ids.length) return;
      if (Date.now() > deadline)
        throw new Error(
          `only ${charged} of ${ids.length} orders were charged before they fell due`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** How many of these orders are cancelled with their charge refunded. */
  async refundedCount(ids: string[]): Promise<number> {
    const { rows: cancelled } = await this.#orders.query<{ id: string }>(
      "SELECT id FROM orders WHERE id = ANY($1) AND status = 'cancelled'",
      [ids],
    );
    const { rows: refunds } = await this.#customers.query<{ order_id: string }>(
      "SELECT order_id FROM tab_entries WHERE order_id = ANY($1) AND kind = 'refund' AND amount_cents > 0",
      [cancelled.map((row) => row.id)],
    );
    return refunds.length;
  }

  /** The books as they stand: both databases and the dead-letter topic, read now. */
  async read(settings: { pickupTimeoutSeconds: number; graceSeconds: number }): Promise<Books> {
    // An open order is legitimately open while its timeout has not passed (plus a grace for the
    // timer to fire and the workflow to act); an accepted one waits for its barista.
    const { rows: orders } = await this.#orders.query<OrderRow>(
      `SELECT id, customer_id, status, total_cents,
              (status = 'placed' AND accept_by < now() - make_interval(secs => $1))
           OR (status = 'ready' AND ready_at < now() - make_interval(secs => $1 + $2)) AS open_too_long
         FROM orders`,
      [settings.graceSeconds, settings.pickupTimeoutSeconds],
    );
    const { rows: tab } = await this.#customers.query<EntryRow>(
      'SELECT order_id, kind, amount_cents FROM tab_entries',
    );
    const { rows: loyalty } = await this.#customers.query<LoyaltyRow>(
      'SELECT customer_id, order_id, points, reason FROM loyalty_entries',
    );
    const { rows: outbox } = await this.#orders.query<OutboxRow>(
      'SELECT id, event_id, published_at IS NOT NULL AS published FROM outbox',
    );
    const { rows: processed } = await this.#customers.query<{ event_id: string }>(
      'SELECT event_id FROM processed_events',
    );
    const { rows: stats } = await this.#customers.query<StatsRow>(
      'SELECT customer_id, orders_completed FROM customer_stats',
    );
    return {
      orders,
      tab,
      loyalty,
      outbox,
      processed: processed.map((row) => row.event_id),
      stats,
      deadLetters: await deadLetterCount(),
    };
  }
}

/** Order ids the API acknowledged, with the state of the last 2xx action on each. */
type Acknowledged = ReadonlyMap<string, string>;
interface Watched {
  from: number;
  seen: ReadonlySet<number>;
}

/** The invariants over the books, each a list of violations. */
export function judge(books: Books, acknowledged: Acknowledged, watchers: Watched[]): Violations {
  const violations: Violations = {
    acknowledged: [],
    chargedOnce: [],
    refunds: [],
    completedCharged: [],
    points: [],
    events: [],
    streams: [],
  };
  const { orders, outbox } = books;
  const byId = new Map(orders.map((order) => [order.id, order]));

  for (const [id, state] of acknowledged) {
    const order = byId.get(id);
    if (!order) violations.acknowledged.push(`${id}: answered 2xx, not in order_db`);
    else if (!reachable[state]?.includes(order.status))
      violations.acknowledged.push(`${id}: acknowledged ${state}, now ${order.status}`);
  }
  for (const order of orders)
    if (order.open_too_long)
      violations.acknowledged.push(`${order.id}: still ${order.status} past its timeout`);

  const entriesOf = new Map<string, EntryRow[]>();
  for (const entry of books.tab) {
    const list = entriesOf.get(entry.order_id) ?? [];
    list.push(entry);
    entriesOf.set(entry.order_id, list);
  }
  for (const [orderId, list] of entriesOf) {
    const charges = list.filter((entry) => entry.kind === 'charge');
    if (charges.length > 1) violations.chargedOnce.push(`${orderId}: ${charges.length} charges`);
    if (!byId.has(orderId)) violations.chargedOnce.push(`${orderId}: charged, no such order`);
  }
  for (const order of orders) {
    const list = entriesOf.get(order.id) ?? [];
    const charges = list.filter((entry) => entry.kind === 'charge');
    const refunds = list.filter((entry) => entry.kind === 'refund');
    const charged = charges.reduce((sum, entry) => sum + entry.amount_cents, 0);
    const refunded = refunds.reduce((sum, entry) => sum + entry.amount_cents, 0);
    if (order.status === 'cancelled' && charges.length > 0) {
      if (refunds.length !== 1 || refunded !== charged)
        violations.refunds.push(
          `${order.id}: charged ${charged}, ${refunds.length} refund(s) of ${refunded}`,
        );
    } else if (order.status !== 'cancelled' && refunded > 0) {
      violations.refunds.push(`${order.id}: ${order.status}, yet refunded ${refunded}`);
    }
    if (order.status === 'completed') {
      const expected = order.total_cents > 0 ? 1 : 0;
      if (charges.length !== expected || charged !== order.total_cents)
        violations.completedCharged.push(
          `${order.id}: total ${order.total_cents}, ${charges.length} charge(s) of ${charged}`,
        );
    }
  }

  // Points: per customer, the completed orders' points (one per whole euro) minus redemptions
  // plus restorations, against the ledger's balance; and each completed order earned once.
  const balance = new Map<string, number>();
  const expected = new Map<string, number>();
  const earnedBy = new Map<string, number>();
  const add = (totals: Map<string, number>, key: string, value: number) =>
    totals.set(key, (totals.get(key) ?? 0) + value);
  for (const entry of books.loyalty) {
    add(balance, entry.customer_id, entry.points);
    if (entry.reason === 'earned') add(earnedBy, entry.order_id, 1);
    else add(expected, entry.customer_id, entry.points);
  }
  for (const order of orders) {
    const points = order.status === 'completed' ? Math.floor(order.total_cents / 100) : 0;
    add(expected, order.customer_id, points);
    const earned = earnedBy.get(order.id) ?? 0;
    if (earned !== (points > 0 ? 1 : 0))
      violations.points.push(`${order.id}: ${order.status}, earned ${earned} time(s)`);
  }
  for (const customer of new Set([...balance.keys(), ...expected.keys()])) {
    const has = balance.get(customer) ?? 0;
    const should = expected.get(customer) ?? 0;
    if (has !== should)
      violations.points.push(`customer ${customer}: ${has} points, should have ${should}`);
  }

  // Events: every outbox event published, and applied by the customer service exactly once.
  const applied = new Set(books.processed);
  const unpublished = outbox.filter((event) => !event.published).length;
  if (unpublished > 0) violations.events.push(`${unpublished} outbox event(s) not published`);
  const unapplied = outbox.filter((event) => !applied.has(event.event_id)).length;
  if (unapplied > 0) violations.events.push(`${unapplied} event(s) published, not applied`);
  const known = new Set(outbox.map((event) => event.event_id));
  const strangers = books.processed.filter((eventId) => !known.has(eventId)).length;
  if (strangers > 0) violations.events.push(`${strangers} applied event(s) not in the outbox`);
  // Applied once: the completed-order counts the customer service keeps equal order_db's.
  const completedBy = new Map<string, number>();
  for (const order of orders)
    if (order.status === 'completed') add(completedBy, order.customer_id, 1);
  const countedBy = new Map(books.stats.map((row) => [row.customer_id, row.orders_completed]));
  for (const customer of new Set([...countedBy.keys(), ...completedBy.keys()])) {
    const counted = countedBy.get(customer) ?? 0;
    const completed = completedBy.get(customer) ?? 0;
    if (counted !== completed)
      violations.events.push(
        `customer ${customer}: ${counted} completed orders applied, ${completed} in order_db`,
      );
  }
  if (books.deadLetters > 0)
    violations.events.push(`${books.deadLetters} message(s) in the dead-letter topic`);

  // Streams: every watcher received every event logged since it started.
  for (const [index, watcher] of watchers.entries()) {
    const missed = outbox.filter((event) => {
      const id = Number(event.id);
      return id > watcher.from && !watcher.seen.has(id);
    }).length;
    if (missed > 0) violations.streams.push(`watcher ${index}: missed ${missed} event(s)`);
  }
  return violations;
}

/** Messages ever written to the dead-letter topic (none when it was never created). */
async function deadLetterCount(): Promise<number> {
  const deadLetterTopic = `${required('ENVIRONMENT')}.orders.v1.dlq`;
  const brokers = [`127.0.0.1:${required('KAFKA_PORT')}`];
  const admin = new Admin({ clientId: 'drill', bootstrapBrokers: brokers, timeout: 5_000 });
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(deadLetterTopic)) return 0;
  } finally {
    await admin.close();
  }
  const consumer = new Consumer({
    clientId: 'drill',
    groupId: 'drill-offsets',
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    timeout: 5_000,
  });
  try {
    const offsets = await consumer.listOffsets({ topics: [deadLetterTopic] });
    return (offsets.get(deadLetterTopic) ?? []).reduce((sum, offset) => sum + Number(offset), 0);
  } finally {
    await consumer.close();
  }
}
