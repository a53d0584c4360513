// Event streams over the order service's real gRPC server and database: how watchers share reads,
// and what a slow one may cost.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { orderV1 } from '@everything/contracts';
import { channelOptions, insecure } from '@everything/grpc';
import { connectionOptions } from '@everything/postgres';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { MAX_HELD_EVENTS } from './order-feed.ts';
import { orderTestDeps } from '../testing.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let app: OrderApp;
let orders: orderV1.OrderServiceClient;
/** Writes events outside the service's pool, so the pool's use is the service's alone. */
let writer: pg.Client;

before(async () => {
  deps = await orderTestDeps();
  app = await createApp(deps);
  const address = `127.0.0.1:${await app.start('127.0.0.1', 0)}`;
  orders = new orderV1.OrderServiceClient(address, insecure(), channelOptions);
  writer = new pg.Client(connectionOptions(deps.database, 'order-feed-test'));
  await writer.connect();
});
after(async () => {
  orders.close();
  await writer.end();
  await teardownStep('order app', () => app.close(2_000));
  await deps.close();
});

/** Appends `count` events to the log as the order repository does, with `padding` bytes each. */
async function appendEvents(count: number, padding = 0): Promise<void> {
  await writer.query(
    `INSERT INTO outbox (order_id, type, schema_version, payload)
     SELECT $1, 'order.placed', 1, jsonb_build_object('n', n, 'padding', repeat('x', $3))
       FROM generate_series(1, $2) n`,
    [randomUUID(), count, padding],
  );
  await writer.query("NOTIFY outbox, ''");
}

/** A watch of the whole queue from now, counting what it receives. */
function watchQueue() {
  const call = orders.watchOrderEvents({ orderId: '', afterSequence: -1 });
  const received: number[] = [];
  call.on('data', (event: orderV1.WatchOrderEventsResponse) => received.push(event.sequence));
  call.on('error', () => undefined);
  return { call, received };
}

test('one read of the log serves every watcher: a new event costs one query, not one per watcher', async (t) => {
  const watchers = Array.from({ length: 30 }, watchQueue);
  try {
    // Every watcher has made its first read and now waits.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    let queries = 0;
    const count = () => (queries += 1);
    deps.pool.on('acquire', count);
    for (let event = 0; event < 5; event += 1) {
      await appendEvents(1);
      await eventually('every watcher has the event', () =>
        Promise.resolve(watchers.every((watcher) => watcher.received.length === event + 1)),
      );
    }
    deps.pool.off('acquire', count);
    t.diagnostic(`${queries} pool queries for 5 events and 30 watchers`);
    // 5 reads of the log and the odd health probe, where a query per watcher would be 150.
    assert.ok(queries <= 15, `${queries} pool queries for 5 events and 30 watchers`);
  } finally {
    for (const watcher of watchers) watcher.call.cancel();
  }
});

test('a watcher that does not read holds a bounded number of events in the service, then catches up from the log without gaps', async (t) => {
  const slow = watchQueue();
  slow.call.pause();
  try {
    await eventually('the watch has joined the feed', () =>
      Promise.resolve(app.feed.usage.watchers === 1),
    );
    const events = 2_000;
    let mostHeld = 0;
    const sample = setInterval(() => {
      mostHeld = Math.max(mostHeld, app.feed.usage.mostHeld);
    }, 5);
    try {
      // 40 MB of events the watcher does not read.
      await appendEvents(events, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      clearInterval(sample);
    }
    t.diagnostic(`the slow watcher had at most ${mostHeld} events waiting in the service`);
    // It filled up (so the bound was reached), and never held more than the bound.
    assert.ok(mostHeld > 0, 'the slow watcher was offered events while it did not read');
    assert.ok(mostHeld <= MAX_HELD_EVENTS, `the slow watcher held ${mostHeld} events`);

    slow.call.resume();
    await eventually(
      'the watcher receives every event',
      () => Promise.resolve(slow.received.length >= events),
      30_000,
    );
    const first = slow.received[0] ?? 0;
    assert.deepEqual(
      slow.received,
      Array.from({ length: events }, (_, index) => first + index),
    );
  } finally {
    slow.call.cancel();
  }
});
