import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { checkOrderEventToWrite, EventSchemaError, readOrderEvent } from './index.ts';

const written = () => ({
  eventId: randomUUID(),
  type: 'order.accepted',
  schemaVersion: 1,
  occurredAt: new Date().toISOString(),
  order: {
    id: randomUUID(),
    customerId: randomUUID(),
    customerName: 'Ada',
    status: 'accepted',
    statusReason: null,
    totalCents: 400,
    lines: [{ menuItemId: randomUUID(), name: 'Latte', quantity: 1, unitPriceCents: 400 }],
  },
});

test('the producer writes an order event that matches version 1', () => {
  checkOrderEventToWrite(written());
  checkOrderEventToWrite({
    ...written(),
    type: 'order.customer_notified',
    notification: { about: 'accepted', estimatedReadyAt: new Date().toISOString() },
  });
});

test('the producer refuses an event with a renamed field, naming both fields', () => {
  const { customerId, ...order } = written().order;
  assert.throws(
    () => checkOrderEventToWrite({ ...written(), order: { ...order, clientId: customerId } }),
    (error: unknown) =>
      error instanceof EventSchemaError &&
      error.message ===
        "order event v1 is invalid: order must have required property 'customerId'; order must NOT have the undeclared property 'clientId'",
  );
});

test('a consumer drops what a newer minor version added, and refuses what breaks the schema', () => {
  const event = { ...written(), addedLater: true };
  readOrderEvent(event, 1);
  assert.equal('addedLater' in event, false);
  assert.throws(() => readOrderEvent({ ...written(), eventId: 7 }, 1), /eventId must be string/);
  assert.throws(() => readOrderEvent(written(), 2), /unsupported schema version 2/);
});
