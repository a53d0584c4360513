import { setTimeout as sleep } from 'node:timers/promises';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import pg from 'pg';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
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

const tracer = trace.getTracer('everything.order.outbox-relay');

/**
 * Publishes the outbox to Kafka in the order the events were written. Exactly one replica
 * relays at a time (it holds a Postgres advisory lock; the others wait as standbys), so the
 * events of an order are never reordered. A batch is marked published only after Kafka has
 * acknowledged it; if Kafka is down the events wait in the outbox and go out, in order, when
 * it returns. A crash between the two steps republishes a batch: consumers deduplicate on the
 * event id, which is in every message's headers.
 */
export class OutboxRelay {
  readonly #config: PostgresConfig;
  readonly #brokers: string[];
  readonly #topic: string;
  readonly #logger: Logger;
  readonly #pollMs: number;
  #stopping = false;
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
    client.on('notification', () => this.#wake?.());
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
      this.#logger.info('relaying the outbox');
      await client.query('LISTEN outbox');
      await this.#ensureTopic();
      while (this.#active()) {
        const published = await this.#publishBatch(client, producer);
        if (published === 0) await this.#pause(this.#pollMs);
      }
    } finally {
      await producer.close().catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }

  async #publishBatch(
    client: pg.Client,
    producer: Producer<string, string, string, string>,
  ): Promise<number> {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, event_id, order_id, type, schema_version, occurred_at, payload, trace_context
         FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 100`,
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
    await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
      rows.map((row) => row.id),
    ]);
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

  async #pause(ms: number): Promise<void> {
    const controller = new AbortController();
    this.#wake = () => controller.abort();
    await sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined);
    this.#wake = undefined;
  }
}
