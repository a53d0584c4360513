// Server-Sent Events through a real HTTP listener: live updates and resumption without gaps.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { callUnary } from '@everything/grpc';
import { MAX_STREAMS_PER_CALLER } from './routes/events.ts';
import { serverTestStack } from './testing.ts';

interface SseEvent {
  id: string;
  event: string;
  data: { order: { id: string; status: string } };
}

/** Reads events from an SSE response until `count` arrived, or fails after `timeoutMs`. */
async function readEvents(
  url: string,
  headers: Record<string, string>,
  count: number,
  timeoutMs = 15_000,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { headers, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const events: SseEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => !line.startsWith(':') && line.includes(': '))
            .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
        );
        if (fields.data)
          events.push({
            id: fields.id ?? '',
            event: fields.event ?? '',
            data: JSON.parse(fields.data) as SseEvent['data'],
          });
        if (events.length === count) return events;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('server-sent events', () => {
  let stack: Awaited<ReturnType<typeof serverTestStack>>;
  let app: FastifyInstance;
  let base: string;
  let customer: string;
  let barista: string;
  let latteId: string;

  const post = async (
    path: string,
    token: string,
    body: unknown = {},
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id: string; status: string; accessToken: string };
  };

  before(async () => {
    stack = await serverTestStack();
    app = await stack.build();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const menu = (await (await fetch(`${base}/v1/menu`)).json()) as {
      items: { id: string; name: string }[];
    };
    latteId = menu.items.find((item) => item.name === 'Caffè latte')?.id ?? '';
    const register = async (name: string) =>
      (
        await post('/v1/auth/register', '', {
          email: `${name}-${randomUUID()}@example.com`,
          password: 'correct horse',
          displayName: name,
        })
      ).accessToken;
    customer = await register('ada');
    const adminEmail = `admin-${randomUUID()}@example.com`;
    await callUnary(
      stack.orderDeps.customers,
      'ensureAdmin',
      { email: adminEmail, password: 'admin password' },
      5_000,
    );
    barista = (await post('/v1/auth/login', '', { email: adminEmail, password: 'admin password' }))
      .accessToken;
  });
  after(() => stack.close());

  const order = () =>
    post(
      '/v1/orders',
      customer,
      { items: [{ menuItemId: latteId, quantity: 1 }] },
      { 'idempotency-key': randomUUID() },
    );

  test("a customer's tracker sees every state change as it happens, and resumes on another replica after the last event it saw", async () => {
    const placed = await order();
    const url = `${base}/v1/orders/${placed.id}/events`;
    const live = readEvents(url, { authorization: `Bearer ${customer}` }, 4);
    await post(`/v1/orders/${placed.id}/accept`, barista);
    await post(`/v1/orders/${placed.id}/ready`, barista);
    const events = await live;
    assert.deepEqual(
      events.map((event) => event.event),
      ['order.placed', 'order.accepted', 'order.customer_notified', 'order.ready'],
    );
    assert.deepEqual(
      events.map((event) => event.data.order.status),
      ['placed', 'accepted', 'accepted', 'ready'],
    );
    const ids = events.map((event) => Number(event.id));
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
    );

    await post(`/v1/orders/${placed.id}/pickup`, customer);
    // Resuming on a second replica: the event log is the order service's, not a replica's.
    const replica = await stack.build();
    const replicaBase = await replica.listen({ host: '127.0.0.1', port: 0 });
    assert.notEqual(replicaBase, base);
    const resumed = await readEvents(
      `${replicaBase}/v1/orders/${placed.id}/events`,
      { authorization: `Bearer ${customer}`, 'last-event-id': events[0]?.id ?? '' },
      4,
    );
    assert.deepEqual(
      resumed.map((event) => event.event),
      ['order.accepted', 'order.customer_notified', 'order.ready', 'order.completed'],
    );
  });

  test("the barista's queue stream sees new orders live; customers may not open it", async () => {
    const live = readEvents(`${base}/v1/queue/events`, { authorization: `Bearer ${barista}` }, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const placed = await order();
    const [event] = await live;
    assert.equal(event?.event, 'order.placed');
    assert.equal(event.data.order.id, placed.id);
    const forbidden = await fetch(`${base}/v1/queue/events`, {
      headers: { authorization: `Bearer ${customer}` },
    });
    assert.equal(forbidden.status, 403);
  });

  test('a caller at its stream cap is refused before the order is looked up', async () => {
    // A caller of its own, holding no streams of earlier tests.
    const grace = (
      await post('/v1/auth/register', '', {
        email: `grace-${randomUUID()}@example.com`,
        password: 'correct horse',
        displayName: 'Grace',
      })
    ).accessToken;
    const placed = await post(
      '/v1/orders',
      grace,
      { items: [{ menuItemId: latteId, quantity: 1 }] },
      { 'idempotency-key': randomUUID() },
    );
    const controller = new AbortController();
    const open = (id: string) =>
      fetch(`${base}/v1/orders/${id}/events`, {
        headers: { authorization: `Bearer ${grace}` },
        signal: controller.signal,
      });
    // Held until the end: fetch cancels the body of a Response once it is garbage, which would
    // close its stream and free its place early.
    const streams: Response[] = [];
    try {
      for (let count = 0; count < MAX_STREAMS_PER_CALLER; count += 1) {
        streams.push(await open(placed.id));
        assert.equal(streams.at(-1)?.status, 200);
      }
      // A 404 would mean the order service was asked about the order before the cap was checked.
      assert.equal((await open(randomUUID())).status, 429);
    } finally {
      controller.abort();
    }
  });
});
