import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { pointsFor } from '../loyalty/loyalty.ts';
import { parseOrderEvent, PoisonMessageError } from './order-event.ts';

const valid = {
  eventId: randomUUID(),
  type: 'order.completed',
  schemaVersion: 1,
  occurredAt: '2026-11-27T10:00:00.000Z',
  order: {
    id: randomUUID(),
    customerId: randomUUID(),
    status: 'completed',
    totalCents: 850,
    lines: [{ menuItemId: randomUUID(), quantity: 2, unitPriceCents: 425 }],
  },
};

test('a version 1 order event parses', () => {
  const event = parseOrderEvent(JSON.stringify(valid));
  assert.equal(event.eventId, valid.eventId);
  assert.equal(event.occurredAt.toISOString(), valid.occurredAt);
  assert.deepEqual(event.order.lines, valid.order.lines);
});

for (const [change, reason] of [
  [{ schemaVersion: 2 }, 'unsupported schemaVersion 2'],
  [{ eventId: 'x' }, 'eventId is not a UUID'],
  [{ type: 'customer.created' }, 'type is not an order event'],
  [{ occurredAt: 'yesterday' }, 'occurredAt is not a time'],
  [{ order: { ...valid.order, totalCents: -1 } }, 'order.totalCents is not a non-negative integer'],
  [{ order: { ...valid.order, lines: [{ quantity: 1 }] } }, 'order.lines[0] is malformed'],
] as const) {
  test(`an event is poison when ${reason}`, () => {
    assert.throws(
      () => parseOrderEvent(JSON.stringify({ ...valid, ...change })),
      new PoisonMessageError(reason),
    );
  });
}

test('a value that is not JSON is poison', () => {
  assert.throws(() => parseOrderEvent('{'), new PoisonMessageError('value is not JSON'));
});

test('one loyalty point per whole euro, rounded down', () => {
  assert.deepEqual([0, 99, 100, 850, 1999].map(pointsFor), [0, 0, 1, 8, 19]);
});
