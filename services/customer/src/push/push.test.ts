// Web Push from the order events, against the real Kafka and Postgres and a local https push
// service that decrypts each message with the browser's keys and checks its VAPID signature.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import webpush from 'web-push';
import {
  Admin,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { eventually, migratedScratchDatabase, stack } from '@everything/test-support';
import { createApp, type CustomerApp } from '../app.ts';
import { checkPushEndpoint, defaultPushOrigins, PushEndpointError } from './push-endpoint.ts';
import { startPushReceiver, testBrowser, type TestBrowser } from './push-receiver.ts';
import { MAX_BROWSERS, PushSubscriptions } from './push-subscriptions.ts';

const PICKUP_TIMEOUT_MS = 30 * 60_000;
const REMIND_BEFORE_MS = 5 * 60_000;

describe('web push notifications of order events', () => {
  const logger = createLogger('push-test', 'silent');
  const topic = `test.orders.v1.${randomUUID()}`;
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:barista@example.com' };
  const browsers = new Map<string, TestBrowser>();
  let receiver: Awaited<ReturnType<typeof startPushReceiver>>;
  let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;
  let pool: ReturnType<typeof createPool>;
  let app: CustomerApp;
  let subscriptions: PushSubscriptions;
  let producer: Producer<string, string, string, string>;

  before(async () => {
    const admin = new Admin({ clientId: 'push-test', bootstrapBrokers: [stack.kafkaBroker] });
    await admin.createTopics({ topics: [topic, `${topic}.dlq`], partitions: 1, replicas: 1 });
    await admin.close();
    receiver = await startPushReceiver(browsers);
    database = await migratedScratchDatabase(
      'customer_service',
      new URL('../../migrations/', import.meta.url),
    );
    pool = createPool(database.config, 'push-test', logger);
    app = await createApp({
      pool,
      logger,
      tabLimitCents: 10_000,
      events: {
        brokers: [stack.kafkaBroker],
        topic,
        deadLetterTopic: `${topic}.dlq`,
        groupId: `customer-${randomUUID()}`,
      },
      push: {
        vapid,
        allowedOrigins: [receiver.origin],
        attempts: 4,
        retryBaseMs: 50,
        agent: receiver.agent,
        pickupTimeoutMs: PICKUP_TIMEOUT_MS,
        remindBeforeMs: REMIND_BEFORE_MS,
        reminderPollMs: 200,
      },
    });
    await app.start('127.0.0.1', 0);
    subscriptions = new PushSubscriptions(pool);
    producer = new Producer({
      clientId: 'push-test',
      bootstrapBrokers: [stack.kafkaBroker],
      serializers: stringSerializers,
    });
  });
  after(async () => {
    await producer.close();
    await app.close(2_000);
    await receiver.close();
    await pool.end();
    await database.drop();
  });

  const customer = async () =>
    (
      await app.accounts.register({
        email: `${randomUUID()}@example.com`,
        password: 'correct horse',
        displayName: 'Ada',
      })
    ).id;
  /** A browser of `customerId`, subscribed at its own path on the receiver. */
  const subscribe = async (customerId: string) => {
    const pathname = `/push/${randomUUID()}`;
    const browser = testBrowser();
    browsers.set(pathname, browser);
    await subscriptions.save(customerId, {
      endpoint: `${receiver.origin}${pathname}`,
      keys: browser.keys,
    });
    return pathname;
  };
  const event = (
    customerId: string,
    type: string,
    statusReason?: string,
    orderId = randomUUID(),
    occurredAt = new Date(),
  ) => ({
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    occurredAt: occurredAt.toISOString(),
    order: {
      id: orderId,
      customerId,
      customerName: 'Ada',
      status: type.slice('order.'.length),
      statusReason: statusReason ?? null,
      totalCents: 400,
      lines: [{ menuItemId: randomUUID(), name: 'Latte', quantity: 1, unitPriceCents: 400 }],
    },
  });
  const publish = (value: object) =>
    producer.send({
      messages: [
        {
          topic,
          key: randomUUID(),
          value: JSON.stringify(value),
          headers: { 'schema-version': '1' },
        },
      ],
    });
  const receivedAt = (pathname: string) =>
    receiver.received.filter((push) => push.path === pathname);

  test('"ready" reaches every browser of the customer, encrypted for it and signed with VAPID', async () => {
    const ada = await customer();
    const [phone, laptop] = [await subscribe(ada), await subscribe(ada)];
    const stranger = await subscribe(await customer());
    const ready = event(ada, 'order.ready');
    await publish(ready);
    await eventually('both browsers are told', async () =>
      Promise.resolve(receivedAt(phone).length === 1 && receivedAt(laptop).length === 1),
    );
    for (const push of [...receivedAt(phone), ...receivedAt(laptop)]) {
      assert.deepEqual(JSON.parse(push.payload), {
        kind: 'ready',
        title: 'Your order is ready',
        body: 'Pick it up at the counter!',
        orderId: ready.order.id,
        url: `/orders/${ready.order.id}`,
      });
      assert.equal(push.headers['content-encoding'], 'aes128gcm');
      assert.ok(Number(push.headers.ttl) > 0);
      assert.equal(push.vapid.aud, receiver.origin);
      assert.equal(push.vapid.sub, vapid.subject);
      assert.equal(push.vapid.publicKey, vapid.publicKey);
      assert.ok(
        push.vapid.exp * 1000 > Date.now() && push.vapid.exp * 1000 <= Date.now() + 86_400_000,
      );
    }
    assert.deepEqual(receivedAt(stranger), []);
  });

  test('accepted and declined are told; placed, and a cancel by the customer, are not', async () => {
    const ada = await customer();
    const phone = await subscribe(ada);
    await publish(event(ada, 'order.placed'));
    await publish(event(ada, 'order.cancelled', 'cancelled by the customer'));
    await publish(event(ada, 'order.accepted'));
    await publish(event(ada, 'order.cancelled', 'declined by the barista'));
    await eventually('two are told', async () => Promise.resolve(receivedAt(phone).length === 2));
    assert.deepEqual(
      receivedAt(phone).map((push) => (JSON.parse(push.payload) as { kind: string }).kind),
      ['accepted', 'declined'],
    );
    assert.match(receivedAt(phone)[1]?.payload ?? '', /declined by the barista/);
  });

  test('a round for the table ready is told as "Your round is ready"; other notices are not pushed', async () => {
    const ada = await customer();
    const phone = await subscribe(ada);
    const notice = (about: string) => ({
      ...event(ada, 'order.customer_notified'),
      notification: { about, estimatedReadyAt: null },
    });
    const roundReady = {
      ...notice('round_ready'),
      order: { ...notice('x').order, status: 'ready' },
    };
    await publish({ ...notice('accepted'), order: { ...roundReady.order, status: 'accepted' } });
    await publish(roundReady);
    await eventually('the round is told', async () =>
      Promise.resolve(receivedAt(phone).length >= 1),
    );
    await publish(event(ada, 'order.accepted'));
    await eventually('the marker arrives', async () =>
      Promise.resolve(receivedAt(phone).length === 2),
    );
    assert.deepEqual(JSON.parse(receivedAt(phone)[0]?.payload ?? '{}'), {
      kind: 'round_ready',
      title: 'Your round is ready',
      body: 'The whole table’s drinks are at the counter.',
      orderId: roundReady.order.id,
      url: `/orders/${roundReady.order.id}`,
    });
  });

  test('an event delivered twice is told once', async () => {
    const ada = await customer();
    const phone = await subscribe(ada);
    const ready = event(ada, 'order.ready');
    const marker = event(ada, 'order.accepted');
    await publish(ready);
    await publish(ready);
    await publish(marker);
    await eventually('the marker arrives', async () =>
      Promise.resolve(receivedAt(phone).some((push) => push.payload.includes(marker.order.id))),
    );
    assert.equal(
      receivedAt(phone).filter((push) => push.payload.includes(ready.order.id)).length,
      1,
    );
  });

  test('a message no group can apply is dead-lettered once, though two groups read it', async () => {
    const ada = await customer();
    const phone = await subscribe(ada);
    const poisonKey = randomUUID();
    await producer.send({
      messages: [{ topic, key: poisonKey, value: '{"not": "an order event"}' }],
    });
    // The next event is told: the push group went past the poison, without dead-lettering it.
    await publish(event(ada, 'order.ready'));
    await eventually('the next event is told', async () =>
      Promise.resolve(receivedAt(phone).length === 1),
    );
    // The points group read the poison too; give a second copy time to land before counting.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const reader = new Consumer({
      groupId: `dlq-reader-${randomUUID()}`,
      clientId: 'push-test',
      bootstrapBrokers: [stack.kafkaBroker],
      deserializers: stringDeserializers,
      maxWaitTime: 500,
    });
    const stream = await reader.consume({
      topics: [`${topic}.dlq`],
      mode: 'earliest',
      autocommit: false,
    });
    // The topic's end is not a message: stop reading once nothing new arrived for a while.
    let idle = setTimeout(() => void stream.close(), 15_000);
    let copies = 0;
    try {
      for await (const message of stream) {
        if (message.key === poisonKey) copies += 1;
        clearTimeout(idle);
        idle = setTimeout(() => void stream.close(), 3_000);
      }
    } finally {
      clearTimeout(idle);
      await stream.close();
      await reader.close(true);
    }
    assert.equal(copies, 1);
  });

  test('a customer is notified on the MAX_BROWSERS browsers they subscribed last', async () => {
    const ada = await customer();
    const subscribed: string[] = [];
    for (let browser = 0; browser < MAX_BROWSERS + 2; browser += 1)
      subscribed.push(`${receiver.origin}${await subscribe(ada)}`);
    // The first browser subscribing again counts as new; the second and third are dropped.
    const [first] = subscribed;
    const again = testBrowser();
    await subscriptions.save(ada, { endpoint: first ?? '', keys: again.keys });
    const kept = (await subscriptions.ofCustomer(ada)).map((browser) => browser.endpoint);
    assert.equal(kept.length, MAX_BROWSERS);
    assert.deepEqual(new Set(kept), new Set([first, ...subscribed.slice(3)]));
  });

  test('a browser the push service says is gone (410, 404) is forgotten', async () => {
    const ada = await customer();
    const gone = await subscribe(ada);
    const missing = await subscribe(ada);
    receiver.answer(gone, 410);
    receiver.answer(missing, 404);
    await publish(event(ada, 'order.ready'));
    await eventually(
      'both are forgotten',
      async () => (await subscriptions.ofCustomer(ada)).length === 0,
    );
    assert.equal(receiver.attempts.filter((attempt) => attempt === gone).length, 1);
  });

  test('a ready order not picked up is reminded once shortly before it expires; a picked-up one is not', async () => {
    const ada = await customer();
    const phone = await subscribe(ada);
    // Ready long enough ago that the reminder is due in two seconds (after the events below are
    // read), and another picked up since.
    const readySince = new Date(Date.now() - PICKUP_TIMEOUT_MS + REMIND_BEFORE_MS + 2_000);
    const waiting = randomUUID();
    const collected = randomUUID();
    await publish(event(ada, 'order.ready', undefined, waiting, readySince));
    // A notification event of the same order (told of its acceptance, read late) ends nothing.
    const told = event(ada, 'order.customer_notified', undefined, waiting);
    await publish({
      ...told,
      order: { ...told.order, status: 'accepted' },
      notification: { about: 'accepted', estimatedReadyAt: null },
    });
    // Its reminder would be due five seconds from now, after it is picked up.
    await publish(
      event(ada, 'order.ready', undefined, collected, new Date(readySince.getTime() + 3_000)),
    );
    await publish(event(ada, 'order.completed', undefined, collected));
    await eventually('the reminder arrives', async () =>
      Promise.resolve(receivedAt(phone).some((push) => push.payload.includes('expiring-soon'))),
    );
    // Long enough for a second reminder, or the collected order's, to have come.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const reminders = receivedAt(phone)
      .map((push) => JSON.parse(push.payload) as { kind: string; orderId: string })
      .filter((message) => message.kind === 'expiring-soon');
    assert.deepEqual(
      reminders.map((message) => message.orderId),
      [waiting],
    );
  });

  test('429 and 5xx are retried with backoff until the push service takes it', async () => {
    const ada = await customer();
    const phone = await subscribe(ada);
    receiver.answer(phone, 429, 503);
    await publish(event(ada, 'order.ready'));
    await eventually('it is delivered', async () =>
      Promise.resolve(receivedAt(phone).length === 1),
    );
    assert.equal(receiver.attempts.filter((attempt) => attempt === phone).length, 3);
    assert.equal((await subscriptions.ofCustomer(ada)).length, 1);
  });
});

describe('the SSRF guard on push endpoints', () => {
  test('allows https on the known push services only', () => {
    assert.ok(checkPushEndpoint('https://fcm.googleapis.com/fcm/send/abc', defaultPushOrigins));
    assert.ok(
      checkPushEndpoint('https://wns2-par02p.notify.windows.com/w/?token=x', defaultPushOrigins),
    );
    for (const endpoint of [
      'http://fcm.googleapis.com/fcm/send/abc',
      'https://order.prod.svc.cluster.local:50051/',
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1:8080/v1/orders',
      'https://fcm.googleapis.com.evil.example/x',
      'https://user:pw@fcm.googleapis.com/x',
      'https://notify.windows.com.evil.example/',
      'file:///etc/passwd',
      'not a url',
    ]) {
      assert.throws(
        () => checkPushEndpoint(endpoint, defaultPushOrigins),
        PushEndpointError,
        endpoint,
      );
    }
  });
});
