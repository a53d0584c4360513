// The relay against the real Postgres and Kafka: a relay that loses its lock mid-batch is fenced.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { connectionOptions } from '@everything/postgres';
import { eventually, stack } from '@everything/test-support';
import { orderTestDeps } from '../testing.ts';
import { OutboxRelay } from './outbox-relay.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;

before(async () => {
  deps = await orderTestDeps();
});
after(() => deps.close());

const orderId = randomUUID();

/** Writes an event as the order repository does; `notify` wakes the relay at once. */
async function appendEvent(notify: boolean): Promise<string> {
  const eventId = randomUUID();
  await deps.pool.query(
    `INSERT INTO outbox (event_id, order_id, type, schema_version, payload)
     VALUES ($1, $2, 'order.placed', 1, $3)`,
    [eventId, orderId, JSON.stringify({ eventId })],
  );
  if (notify) await deps.pool.query("NOTIFY outbox, ''");
  return eventId;
}

const published = async (eventId: string) =>
  (
    await deps.pool.query<{ published: boolean }>(
      'SELECT published_at IS NOT NULL AS published FROM outbox WHERE event_id = $1',
      [eventId],
    )
  ).rows[0]?.published === true;

const relay = () =>
  new OutboxRelay({
    database: deps.database,
    brokers: [stack.kafkaBroker],
    topic: deps.kafka.topic,
    logger: deps.logger,
    // Only notifications wake it, so the test decides when it reads.
    pollMs: 60_000,
  });

test('a relay that loses its lock in the middle of a batch publishes none of it; the new leader publishes it once', async () => {
  const first = relay();
  const second = relay();
  const blocker = new pg.Client(connectionOptions(deps.database, 'relay-test-blocker'));
  await blocker.connect();
  try {
    const warmUp = await appendEvent(true);
    first.start();
    await eventually('the first relay leads and publishes', () => published(warmUp), 30_000);

    // The batch's row is locked by the test, so the first relay, having sent the batch to
    // Kafka, waits to mark it published: the moment to lose its lock.
    const contested = await appendEvent(false);
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM outbox WHERE event_id = $1 FOR UPDATE', [contested]);
    await deps.pool.query("NOTIFY outbox, ''");
    let relayPid: number | undefined;
    await eventually('the first relay waits to mark its batch', async () => {
      const { rows } = await deps.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'order-outbox-relay'
            AND wait_event_type = 'Lock'`,
      );
      relayPid = rows[0]?.pid;
      return relayPid !== undefined;
    });
    // Its session ends (a network cut, a restarted database): the advisory lock goes with it.
    await deps.pool.query('SELECT pg_terminate_backend($1)', [relayPid]);
    second.start();
    await blocker.query('ROLLBACK');
    await eventually('the new leader publishes the batch', () => published(contested), 30_000);
    const sentinel = await appendEvent(true);
    await eventually('the new leader publishes what follows', () => published(sentinel), 30_000);

    const consumer = new Consumer({
      groupId: `relay-test-${randomUUID()}`,
      clientId: 'relay-test',
      bootstrapBrokers: [stack.kafkaBroker],
      deserializers: stringDeserializers,
    });
    const stream = await consumer.consume({
      topics: [deps.kafka.topic],
      mode: 'earliest',
      autocommit: false,
    });
    const seen: string[] = [];
    try {
      for await (const message of stream) {
        const eventId = String(message.headers.get('event-id'));
        seen.push(eventId);
        if (eventId === sentinel) break;
      }
    } finally {
      await stream.close();
      await consumer.close(true);
    }
    assert.deepEqual(seen, [warmUp, contested, sentinel]);
  } finally {
    await blocker.end().catch(() => undefined);
    await Promise.all([first.stop(), second.stop()]);
  }
});
