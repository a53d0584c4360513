import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { pointsFor } from '../loyalty/loyalty.ts';
import { parseOrderEvent, PoisonMessageError } from './order-event.ts';

// What the order service writes for a completed order (version 1).
const valid = {
  eventId: randomUUID(),
  type: 'order.completed',
  schemaVersion: 1,
  occurredAt: '2026-11-27T10:00:00.000Z',
  order: {
    id: randomUUID(),
    customerId: randomUUID(),
    customerName: 'Ada',
    status: 'completed',
    statusReason: null,
    totalCents: 850,
    lines: [{ menuItemId: randomUUID(), name: 'Latte', quantity: 2, unitPriceCents: 425 }],
  },
};

test('a version 1 order event parses', () => {
  const event = parseOrderEvent(JSON.stringify(valid), '1');
  assert.equal(event.eventId, valid.eventId);
  assert.equal(event.occurredAt.toISOString(), valid.occurredAt);
  assert.deepEqual(event.order.lines, [
    { menuItemId: valid.order.lines[0]?.menuItemId, quantity: 2, unitPriceCents: 425 },
  ]);
});

test('why an order was cancelled is read when it says, and absent when null', () => {
  const declined = { ...valid.order, status: 'cancelled', statusReason: 'declined: out of milk' };
  const event = parseOrderEvent(JSON.stringify({ ...valid, order: declined }), '1');
  assert.equal(event.order.statusReason, 'declined: out of milk');
  assert.equal('statusReason' in parseOrderEvent(JSON.stringify(valid), '1').order, false);
});

test('without a schema-version header the version comes from the value', () => {
  assert.equal(parseOrderEvent(JSON.stringify(valid)).eventId, valid.eventId);
});

test('a field a newer minor version added is tolerated and dropped', () => {
  const event = parseOrderEvent(
    JSON.stringify({ ...valid, loyaltyTier: 'gold', order: { ...valid.order, table: 4 } }),
    '1',
  );
  assert.equal(event.order.totalCents, 850);
});

for (const [name, change, header, reason] of [
  [
    'its header names a version the consumer does not read',
    {},
    '3',
    /^unsupported schema version 3$/,
  ],
  [
    'its value names a version it does not read',
    { schemaVersion: 2 },
    undefined,
    /^unsupported schema version 2$/,
  ],
  ['eventId is not a UUID', { eventId: 'x' }, '1', /^eventId must match format "uuid"$/],
  ['type is not an order event', { type: 'customer.created' }, '1', /^type must match pattern/],
  [
    'occurredAt is not a time',
    { occurredAt: 'yesterday' },
    '1',
    /^occurredAt must match format "date-time"$/,
  ],
  [
    'totalCents is negative',
    { order: { ...valid.order, totalCents: -1 } },
    '1',
    /^order\.totalCents must be >= 0$/,
  ],
  [
    'a line is malformed',
    { order: { ...valid.order, lines: [{ quantity: 1 }] } },
    '1',
    /order\.lines\[0\] must have required property 'menuItemId'/,
  ],
  // The deliberate break of an event field: a producer that renamed customerId.
  [
    'a field the consumer reads was renamed',
    {
      order: {
        ...Object.fromEntries(Object.entries(valid.order).filter(([key]) => key !== 'customerId')),
        clientId: randomUUID(),
      },
    },
    '1',
    /^order must have required property 'customerId'$/,
  ],
] as const) {
  test(`an event is poison when ${name}, and the reason says why`, () => {
    assert.throws(
      () => parseOrderEvent(JSON.stringify({ ...valid, ...change }), header),
      (error: unknown) => error instanceof PoisonMessageError && reason.test(error.message),
    );
  });
}

test('a value that is not JSON is poison', () => {
  assert.throws(() => parseOrderEvent('{'), new PoisonMessageError('value is not JSON'));
});

test('one loyalty point per whole euro, rounded down', () => {
  assert.deepEqual([0, 99, 100, 850, 1999].map(pointsFor), [0, 0, 1, 8, 19]);
});
