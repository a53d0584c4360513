import { setTimeout as sleep } from 'node:timers/promises';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import pg from 'pg';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { RELAY_EPOCH_HEADER } from '@everything/events';
import { superviseLoop } from '@everything/lifecycle';
import type { Logger } from '@everything/logger';
import { connectionOptions, type PostgresConfig } from '@everything/postgres';

interface OutboxRow {
  id: string;
  event_id: string;
  order_id: string;
  type: string;
  schema_version: number;
  occurred_at: Date;
  payload: unknown;
  trace_context: Record<string, string> | null;
}

// Any 64-bit key no other lock in order_db uses; replicas compete for it to elect the relay.
const RELAY_LOCK = 4_242_001;
/** Events read and sent per batch; a full batch means a backlog, drained without waiting. */
const BATCH_SIZE = 100;
/**
 * How long a woken relay waits before it reads the outbox, so the events of orders committed
 * a few milliseconds apart go to Kafka in one send: under load that halves the sends, the
 * outbox reads and the marks, at the cost of this much delay to every event.
 */
const LINGER_MS = 10;

/** The relay's epoch was superseded: another relay leads now, so this one stops. */
class RelayFencedError extends Error {
  override name = 'RelayFencedError';
}

const tracer = trace.getTracer('everything.order.outbox-relay');

/**
 * Publishes the outbox to Kafka in the order the events were written. Exactly one replica
 * relays at a time (it holds a Postgres advisory lock; the others wait as standbys), so the
 * events of an order are never reordered. A batch is marked published only after Kafka has
 * acknowledged it; if Kafka is down the events wait in the outbox and go out, in order, when
 * it returns. A crash between the two steps republishes a batch: consumers deduplicate on the
 * event id, which is in every message's headers.
 *
 * Fencing. A lock is no guard for a write that lands elsewhere: a relay that loses its lock
 * (its session cut off, its process paused) may already have a batch on its way to Kafka, and
 * that send can land after the next leader has published. So leadership has an epoch: taking
 * the lock advances `outbox_relay_epoch` in the same step, every message carries its relay's
 * epoch in the `relay-epoch` header, and a batch is marked published only while its epoch is
 * still the current one. A stale leader can therefore still finish a send, but nothing else:
 * it cannot mark, so the current leader publishes the same events again (same event ids)
 * under the newer epoch, and a consumer that has applied an epoch on a partition refuses any
 * later message there with a lower one. Per partition is enough, as order is only promised
 * per order (the message key), and a stale message that lands before the new leader's first
 * one on its partition is still in order there.
 */
export class OutboxRelay {
  readonly #config: PostgresConfig;
  readonly #brokers: string[];
  readonly #topic: string;
  readonly #logger: Logger;
  readonly #pollMs: number;
  #stopping = false;
  /** An outbox notification arrived since the last read began. */
  #notified = false;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(options: {
    database: PostgresConfig;
    brokers: string[];
    topic: string;
    logger: Logger;
    pollMs?: number;
  }) {
    this.#config = options.database;
    this.#brokers = options.brokers;
    this.#topic = options.topic;
    this.#logger = options.logger.child({ component: 'outbox-relay' });
    this.#pollMs = options.pollMs ?? 1_000;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
  }

  #run(): Promise<void> {
    return superviseLoop({
      run: () => this.#leadAndRelay(),
      active: () => this.#active(),
      onFailure: (error, failures) =>
        this.#logger.warn({ err: error, failures }, 'outbox relay interrupted; retrying'),
      pause: (ms) => this.#pause(ms),
      baseMs: 250,
      maxMs: 5_000,
    });
  }

  /** Waits to hold the relay lock, then relays until stopped or the connection fails. */
  async #leadAndRelay(): Promise<void> {
    const client = new pg.Client(connectionOptions(this.#config, 'order-outbox-relay'));
    client.on('notification', () => {
      this.#notified = true;
      this.#wake?.();
    });
    // An error on an idle connection surfaces through the next query; this keeps it from crashing the process.
    client.on('error', (error) => this.#logger.debug({ err: error }, 'relay connection failed'));
    await client.connect();
    const producer = new Producer({
      clientId: 'order-outbox-relay',
      bootstrapBrokers: this.#brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
      retries: 3,
      timeout: 5_000,
    });
    try {
      while (this.#active()) {
        const { rows } = await client.query<{ leader: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS leader',
          [RELAY_LOCK],
        );
        if (rows[0]?.leader) break;
        await this.#pause(2_000);
      }
      if (!this.#active()) return;
      const epoch = await this.#advanceEpoch(client);
      this.#logger.info({ epoch }, 'relaying the outbox');
      await client.query('LISTEN outbox');
      await this.#ensureTopic();
      while (this.#active()) {
        this.#notified = false;
        const published = await this.#publishBatch(client, producer, epoch);
        if (published === BATCH_SIZE) continue;
        // A commit notified after the read began may hold events the read did not see; without
        // one, the next event announces itself (the poll is only a safety net).
        if (!this.#wasNotified()) await this.#pause(this.#pollMs);
        await sleep(LINGER_MS);
      }
    } finally {
      await producer.close().catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Called holding the lock: this relay's epoch, newer than any earlier leader's. It is at least
   * the database's clock in milliseconds, so it keeps rising even after order_db is restored
   * from a backup, when counting on from the restored value would repeat epochs consumers saw.
   */
  async #advanceEpoch(client: pg.Client): Promise<string> {
    const { rows } = await client.query<{ epoch: string }>(
      `UPDATE outbox_relay_epoch
          SET epoch = GREATEST(epoch + 1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
       RETURNING epoch::text`,
    );
    const epoch = rows[0]?.epoch;
    if (epoch === undefined) throw new Error('outbox_relay_epoch has no row: run the migrations');
    return epoch;
  }

  async #publishBatch(
    client: pg.Client,
    producer: Producer<string, string, string, string>,
    epoch: string,
  ): Promise<number> {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, event_id, order_id, type, schema_version, occurred_at, payload, trace_context
         FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`,
      [BATCH_SIZE],
    );
    if (rows.length === 0) return 0;
    // Each event's publish continues the trace of the request that wrote it, and the message
    // carries the publish span's context on to the consumer.
    const spans = rows.map((row) =>
      tracer.startSpan(
        `send ${this.#topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.operation.name': 'send',
            'messaging.destination.name': this.#topic,
            'messaging.message.id': row.event_id,
            'messaging.kafka.message.key': row.order_id,
          },
        },
        propagation.extract(ROOT_CONTEXT, row.trace_context ?? {}),
      ),
    );
    try {
      await producer.send({
        messages: rows.map((row, index) => {
          const headers: Record<string, string> = {
            'event-id': row.event_id,
            'event-type': row.type,
            'schema-version': String(row.schema_version),
            'occurred-at': row.occurred_at.toISOString(),
            'content-type': 'application/json',
            [RELAY_EPOCH_HEADER]: epoch,
          };
          const span = spans[index];
          if (span) propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
          return {
            topic: this.#topic,
            key: row.order_id,
            value: JSON.stringify(row.payload),
            headers,
          };
        }),
      });
    } catch (error) {
      for (const span of spans) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      throw error;
    }
    for (const span of spans) span.end();
    // Marks only under the current epoch. The share lock makes a new leader's advance wait for
    // a mark already under way, and a mark that waited on an advance finds the epoch changed and
    // marks nothing: either way, a batch marked here was acknowledged before any message of a
    // newer epoch was sent.
    const marked = await client.query(
      `WITH leader AS (SELECT epoch FROM outbox_relay_epoch WHERE epoch = $2 FOR SHARE)
       UPDATE outbox SET published_at = now() FROM leader WHERE outbox.id = ANY($1::bigint[])`,
      [rows.map((row) => row.id), epoch],
    );
    if (marked.rowCount === 0)
      throw new RelayFencedError(`relay epoch ${epoch} was superseded; another relay leads`);
    this.#logger.debug({ events: rows.length }, 'published outbox events');
    return rows.length;
  }

  async #ensureTopic(): Promise<void> {
    const admin = new Admin({
      clientId: 'order-outbox-relay',
      bootstrapBrokers: this.#brokers,
      timeout: 5_000,
    });
    try {
      await admin.createTopics({ topics: [this.#topic], partitions: 3, replicas: 1 });
    } catch (error) {
      if (!/already exists/i.test(String(error))) throw error;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  // A method, not the field, so the compiler does not assume the flag cannot change across awaits.
  #active(): boolean {
    return !this.#stopping;
  }

  // A method for the same reason: the notification handler sets the flag while a read runs.
  #wasNotified(): boolean {
    return this.#notified;
  }

  async #pause(ms: number): Promise<void> {
    const controller = new AbortController();
    this.#wake = () => controller.abort();
    await sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined);
    this.#wake = undefined;
  }
}
