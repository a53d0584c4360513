// The relay against the real Postgres and Kafka: a relay that lost its lead can still finish a
// send, but its messages carry its old epoch and it cannot mark them published.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { eventually, migratedScratchDatabase, stack } from '@everything/test-support';
import { OutboxRelay } from './outbox-relay.ts';

const logger = createLogger('relay-test', 'silent');
const topic = `test.orders.v1.${randomUUID()}`;
let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;
let pool: ReturnType<typeof createPool>;

before(async () => {
  database = await migratedScratchDatabase(
    'order_service',
    new URL('../../migrations/', import.meta.url),
  );
  pool = createPool(database.config, 'relay-test', logger);
  // One partition, so the order of the messages on it is the order they landed in.
  const admin = new Admin({ clientId: 'relay-test', bootstrapBrokers: [stack.kafkaBroker] });
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  await admin.close();
});
after(async () => {
  await pool.end();
  await database.drop();
});

/** Writes an event as the order repository does; `notify` wakes the relay at once. */
async function appendEvent(notify = true): Promise<string> {
  const eventId = randomUUID();
  await pool.query(
    `INSERT INTO outbox (event_id, order_id, type, schema_version, payload)
     VALUES ($1, $2, 'order.placed', 1, $3)`,
    [eventId, randomUUID(), JSON.stringify({ eventId })],
  );
  if (notify) await pool.query("NOTIFY outbox, ''");
  return eventId;
}

const published = async (eventId: string) =>
  (
    await pool.query<{ published: boolean }>(
      'SELECT published_at IS NOT NULL AS published FROM outbox WHERE event_id = $1',
      [eventId],
    )
  ).rows[0]?.published === true;

/** The relay sessions in order_db, with what each last ran and whether it waits on a lock. */
const relaySessions = async () =>
  (
    await pool.query<{
      pid: number;
      state: string;
      query: string;
      queryStart: Date;
      waiting: boolean;
    }>(
      `SELECT pid, state, query, query_start AS "queryStart", wait_event_type = 'Lock' AS waiting
         FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'order-outbox-relay'`,
    )
  ).rows;

const relay = (databasePort = database.config.DB_PORT) =>
  new OutboxRelay({
    database: { ...database.config, DB_PORT: databasePort },
    brokers: [stack.kafkaBroker],
    topic,
    logger,
    // Only notifications wake it, so the test decides when it reads.
    pollMs: 60_000,
  });

/** Every message on the topic, in the order they landed, until `last` has been seen `times` times. */
async function messagesUntil(last: string, times: number) {
  const consumer = new Consumer({
    groupId: `relay-test-${randomUUID()}`,
    clientId: 'relay-test',
    bootstrapBrokers: [stack.kafkaBroker],
    deserializers: stringDeserializers,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  // A message that never arrives must fail the test, not hang it.
  const deadline = setTimeout(() => void stream.close(), 20_000);
  const seen: { eventId: string; epoch: string | undefined }[] = [];
  try {
    for await (const message of stream) {
      const eventId = String(message.headers.get('event-id'));
      seen.push({ eventId, epoch: message.headers.get('relay-epoch') });
      if (seen.filter((entry) => entry.eventId === last).length === times) break;
    }
  } finally {
    clearTimeout(deadline);
    await stream.close();
    await consumer.close(true);
  }
  return seen;
}

/**
 * A TCP hop between a relay and Postgres that, once armed, holds back the database's answers
 * on the connection whose next query contains `armedFor`: a network that delays a reply. The
 * relay then gets its answer late, after its session (and lock) may be gone.
 */
async function delayingHop() {
  let armedFor: string | undefined;
  let release: (() => void) | undefined;
  const server = net.createServer((relaySide) => {
    const databaseSide = net.connect(database.config.DB_PORT, database.config.DB_HOST);
    const held: Buffer[] = [];
    let holding = false;
    let ended = false;
    relaySide.on('data', (chunk: Buffer) => {
      if (armedFor !== undefined && chunk.includes(armedFor)) {
        armedFor = undefined;
        holding = true;
        release = () => {
          holding = false;
          for (const part of held.splice(0)) relaySide.write(part);
          if (ended) relaySide.end();
        };
      }
      databaseSide.write(chunk);
    });
    databaseSide.on('data', (chunk: Buffer) => {
      if (holding) held.push(chunk);
      else relaySide.write(chunk);
    });
    databaseSide.on('end', () => {
      ended = true;
      if (!holding) relaySide.end();
    });
    relaySide.on('error', () => databaseSide.destroy());
    databaseSide.on('error', () => relaySide.destroy());
    relaySide.on('close', () => databaseSide.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    holdAnswerTo: (queryText: string) => (armedFor = queryText),
    release: () => release?.(),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

test('a relay that lost its lock and still finishes a send stamps it with its old epoch, after the new leader sent the same event under a newer one', async () => {
  const hop = await delayingHop();
  const first = relay(hop.port);
  const second = relay();
  try {
    const warmUp = await appendEvent();
    first.start();
    await eventually('the first relay leads and publishes', () => published(warmUp), 30_000);
    // It has marked what it sent and sleeps until the next notification.
    const readsOutbox = (session: { query: string }) =>
      session.query.includes('published_at IS NULL');
    const marks = (session: { query: string }) => session.query.includes('SET published_at');
    let lastRead: Date | undefined;
    await eventually('the first relay waits for work', async () => {
      const [session] = await relaySessions();
      lastRead = session?.queryStart;
      return session?.state === 'idle' && (marks(session) || readsOutbox(session));
    });

    // Its next read of the outbox is answered, but the answer is held on the way.
    hop.holdAnswerTo('published_at IS NULL');
    const contested = await appendEvent();
    await eventually('the first relay has read the contested event', async () => {
      const [session] = await relaySessions();
      return (
        session?.state === 'idle' && readsOutbox(session) && session.queryStart > (lastRead ?? 0)
      );
    });
    // Now its session ends (a network cut, a restarted database), and the lock with it.
    const [session] = await relaySessions();
    assert.ok(session);
    await pool.query('SELECT pg_terminate_backend($1)', [session.pid]);
    second.start();
    await eventually('the new leader publishes the event', () => published(contested), 4_000);

    // The first relay gets its late answer and sends what it read.
    hop.release();
    const seen = await messagesUntil(contested, 2);
    const [firstEpoch, secondEpoch] = [seen[0]?.epoch, seen[1]?.epoch].map(Number);
    assert.deepEqual(
      seen.map(({ eventId }) => eventId),
      [warmUp, contested, contested],
    );
    assert.ok(firstEpoch && secondEpoch && secondEpoch > firstEpoch, JSON.stringify(seen));
    assert.equal(seen[2]?.epoch, String(firstEpoch), 'the late copy carries the old epoch');
  } finally {
    hop.release();
    await Promise.all([first.stop(), second.stop()]);
    await hop.close();
  }
});

test('a relay whose epoch was superseded while it marked its batch marks nothing; the batch goes out again under the newer epoch', async () => {
  const leader = relay();
  const takeover = await pool.connect();
  try {
    const warmUp = await appendEvent();
    leader.start();
    await eventually('the relay leads and publishes', () => published(warmUp), 30_000);

    // Another relay takes the lead between the send and the mark (as one that got the lock
    // while this one still thought it held it would): it holds the epoch while it advances it.
    await takeover.query('BEGIN');
    await takeover.query('SELECT epoch FROM outbox_relay_epoch FOR UPDATE');
    const contested = await appendEvent();
    await eventually('the relay has sent the batch and waits to mark it', async () =>
      (await relaySessions()).some(({ waiting }) => waiting),
    );
    await takeover.query('UPDATE outbox_relay_epoch SET epoch = epoch + 1');
    await takeover.query('COMMIT');

    // Its mark found the epoch gone: the event is still unpublished, so the relay, which leads
    // again under a newer epoch, sends it again and only then marks it.
    await eventually('the event is published again', () => published(contested), 30_000);
    const copies = (await messagesUntil(contested, 2)).filter(
      ({ eventId }) => eventId === contested,
    );
    const [stale, current] = copies.map(({ epoch }) => Number(epoch));
    assert.ok(stale && current && current > stale + 1, JSON.stringify(copies));
  } finally {
    await takeover.query('ROLLBACK').catch(() => undefined);
    takeover.release();
    await leader.stop();
  }
});
