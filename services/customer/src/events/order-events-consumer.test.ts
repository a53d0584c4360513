import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  Admin,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { callUnary, channelOptions, insecure } from '@everything/grpc';
import { customerV1 } from '@everything/contracts';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { eventually, migratedScratchDatabase, stack } from '@everything/test-support';
import { createApp, type CustomerApp } from '../app.ts';

describe('the order events consumer', () => {
  const logger = createLogger('consumer-test', 'silent');
  const topic = `test.orders.v1.${randomUUID()}`;
  const deadLetterTopic = `${topic}.dlq`;
  const groupId = `customer-${randomUUID()}`;
  let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;
  let pool: ReturnType<typeof createPool>;
  let app: CustomerApp;
  let client: customerV1.CustomerServiceClient;
  let producer: Producer<string, string, string, string>;

  before(async () => {
    const admin = new Admin({ clientId: 'consumer-test', bootstrapBrokers: [stack.kafkaBroker] });
    await admin.createTopics({ topics: [topic, deadLetterTopic], partitions: 1, replicas: 1 });
    await admin.close();
    database = await migratedScratchDatabase(
      'customer_service',
      new URL('../../migrations/', import.meta.url),
    );
    pool = createPool(database.config, 'consumer-test', logger);
    app = await createApp({
      pool,
      logger,
      tabLimitCents: 10_000,
      events: {
        brokers: [stack.kafkaBroker],
        topic,
        deadLetterTopic,
        groupId,
      },
    });
    client = new customerV1.CustomerServiceClient(
      `127.0.0.1:${await app.start('127.0.0.1', 0)}`,
      insecure(),
      channelOptions,
    );
    producer = new Producer({
      clientId: 'consumer-test',
      bootstrapBrokers: [stack.kafkaBroker],
      serializers: stringSerializers,
    });
  });
  after(async () => {
    await producer.close();
    client.close();
    await app.close(2_000);
    await pool.end();
    await database.drop();
  });

  const register = async () =>
    (
      await callUnary(
        client,
        'registerCustomer',
        { email: `${randomUUID()}@example.com`, password: 'correct horse', displayName: 'Ada' },
        5_000,
      )
    ).customer?.id ?? '';
  const profile = async (id: string) =>
    (await callUnary(client, 'getCustomer', { id }, 5_000)).customer;
  const completed = (customerId: string, totalCents: number, menuItemId = randomUUID()) => ({
    eventId: randomUUID(),
    type: 'order.completed',
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    order: {
      id: randomUUID(),
      customerId,
      customerName: 'Ada',
      status: 'completed',
      statusReason: null,
      totalCents,
      lines: [{ menuItemId, name: 'Latte', quantity: 2, unitPriceCents: totalCents / 2 }],
    },
  });
  const publish = (value: string, key = randomUUID(), relayHeaders: Record<string, string> = {}) =>
    producer.send({
      messages: [
        {
          topic,
          key,
          value,
          headers: { 'event-type': 'order.completed', 'schema-version': '1', ...relayHeaders },
        },
      ],
    });
  const applied = async (eventId: string) =>
    (await pool.query('SELECT 1 FROM processed_events WHERE event_id = $1', [eventId])).rowCount ===
    1;

  test('a completed order earns a point per whole euro and updates the stats and favorite', async () => {
    const customerId = await register();
    const drink = randomUUID();
    await publish(JSON.stringify(completed(customerId, 850, drink)));
    await eventually(
      'the event is applied',
      async () => (await profile(customerId))?.stats?.ordersCompleted === 1,
    );
    const after = await profile(customerId);
    assert.equal(after?.loyaltyPoints, 8);
    assert.equal(after.stats?.totalSpentCents, 850);
    assert.equal(after.stats.favoriteMenuItemId, drink);
    assert.ok(after.stats.lastOrderAt);
  });

  test('the same event delivered twice counts once', async () => {
    const customerId = await register();
    const event = JSON.stringify(completed(customerId, 400));
    const marker = JSON.stringify(completed(customerId, 100));
    await publish(event);
    await publish(event);
    await publish(marker);
    await eventually(
      'all three messages are consumed',
      async () => (await profile(customerId))?.stats?.totalSpentCents === 500,
    );
    const after = await profile(customerId);
    assert.equal(after?.stats?.ordersCompleted, 2);
    assert.equal(after.loyaltyPoints, 5);
  });

  test('a poison message lands in the dead-letter topic with its reason, and the next message is still applied', async () => {
    const customerId = await register();
    const poisonKey = randomUUID();
    await publish('{"this is": "not an order event"', poisonKey);
    // A producer that renamed a field the consumer reads: its schema check names the field.
    const { customerId: renamed, ...order } = completed(customerId, 200).order;
    const renamedKey = randomUUID();
    await publish(
      JSON.stringify({ ...completed(customerId, 200), order: { ...order, clientId: renamed } }),
      renamedKey,
    );
    const badEpochKey = randomUUID();
    await publish(JSON.stringify(completed(customerId, 200)), badEpochKey, { 'relay-epoch': '-1' });
    await publish(JSON.stringify(completed(customerId, 300)));
    await eventually(
      'the message after the poison is applied',
      async () => (await profile(customerId))?.stats?.ordersCompleted === 1,
    );

    const reader = new Consumer({
      groupId: `dlq-reader-${randomUUID()}`,
      clientId: 'consumer-test',
      bootstrapBrokers: [stack.kafkaBroker],
      deserializers: stringDeserializers,
    });
    const stream = await reader.consume({
      topics: [deadLetterTopic],
      mode: 'earliest',
      autocommit: false,
    });
    // A dead letter that never arrives must fail the test, not hang it.
    const deadline = setTimeout(() => void stream.close(), 20_000);
    const reasons = new Map<string, string | undefined>();
    const deadLetterKeys = new Set<string>([poisonKey, renamedKey, badEpochKey]);
    try {
      for await (const message of stream) {
        if (message.key === poisonKey) {
          assert.equal(message.headers.get('dlq-original-topic'), topic);
          assert.equal(message.value, '{"this is": "not an order event"');
        }
        if (deadLetterKeys.has(message.key))
          reasons.set(message.key, message.headers.get('dlq-reason'));
        if (reasons.size === 3) break;
      }
    } finally {
      clearTimeout(deadline);
      await stream.close();
      await reader.close(true);
    }
    assert.deepEqual(Object.fromEntries(reasons), {
      [poisonKey]: 'value is not JSON',
      [renamedKey]: "order must have required property 'customerId'",
      [badEpochKey]: 'relay-epoch header is not a positive integer',
    });
  });

  test('a message from an outbox relay that lost its lead is not applied; the same event from the current leader is, once', async () => {
    const customerId = await register();
    const byLeader = completed(customerId, 400);
    const late = completed(customerId, 200);
    const afterIt = completed(customerId, 100);
    // Relay epoch 7 leads and has published; then a send of the relay it replaced (epoch 6) lands.
    await publish(JSON.stringify(byLeader), randomUUID(), { 'relay-epoch': '7' });
    await publish(JSON.stringify(late), late.order.id, { 'relay-epoch': '6' });
    await publish(JSON.stringify(afterIt), randomUUID(), { 'relay-epoch': '7' });
    await eventually('the message after the late one is applied', () => applied(afterIt.eventId));
    assert.equal(await applied(late.eventId), false, 'the late copy is not applied');
    assert.equal((await profile(customerId))?.stats?.totalSpentCents, 500);

    // The leader found the event unmarked and publishes it again, under its own epoch.
    await publish(JSON.stringify(late), late.order.id, { 'relay-epoch': '7' });
    await publish(JSON.stringify(late), late.order.id, { 'relay-epoch': '7' });
    // A message with no epoch (a release before it) is applied as before.
    const unstamped = completed(customerId, 300);
    await publish(JSON.stringify(unstamped));
    await eventually('the unstamped message is applied', () => applied(unstamped.eventId));
    const after = await profile(customerId);
    assert.equal(after?.stats?.ordersCompleted, 4);
    assert.equal(after.stats.totalSpentCents, 1000);
    assert.equal(after.loyaltyPoints, 10);
  });

  test('the offsets of applied events are committed a moment later, up to the last one', async () => {
    const customerId = await register();
    const events = [
      completed(customerId, 100),
      completed(customerId, 200),
      completed(customerId, 300),
    ];
    for (const event of events) await publish(JSON.stringify(event));
    const last = events.at(-1)?.eventId ?? '';
    await eventually('the last event is applied', () => applied(last));

    const admin = new Admin({ clientId: 'consumer-test', bootstrapBrokers: [stack.kafkaBroker] });
    try {
      const [end] = (
        await admin.listOffsets({
          topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
        })
      ).flatMap((listed) => listed.partitions);
      const committed = async () =>
        (await admin.listConsumerGroupOffsets({ groups: [groupId] }))
          .flatMap((group) => group.topics)
          .flatMap((listed) => listed.partitions)
          .find((partition) => partition.partitionIndex === 0)?.committedOffset;
      await eventually('the group has committed past the last event', async () => {
        const offset = await committed();
        return offset !== undefined && offset === end?.offset;
      });
    } finally {
      await admin.close();
    }
  });
});
