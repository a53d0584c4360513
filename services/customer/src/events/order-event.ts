/** Version 1 of the order events the order service publishes (see its order repository). */
export interface OrderEvent {
  eventId: string;
  type: string;
  schemaVersion: 1;
  occurredAt: Date;
  order: {
    id: string;
    customerId: string;
    status: string;
    /** Why it was cancelled or expired, when it was. */
    statusReason?: string;
    totalCents: number;
    lines: { menuItemId: string; quantity: number; unitPriceCents: number }[];
  };
}

/** A message that can never be applied, however often it is retried: it goes to the dead-letter topic. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(reason: string): never {
  throw new PoisonMessageError(reason);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Parses and checks a message's value; every way it can be wrong is named. */
export function parseOrderEvent(value: string): OrderEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    fail('value is not JSON');
  }
  if (!isRecord(raw)) fail('value is not an object');
  if (raw.schemaVersion !== 1) fail(`unsupported schemaVersion ${String(raw.schemaVersion)}`);
  if (typeof raw.eventId !== 'string' || !UUID.test(raw.eventId)) fail('eventId is not a UUID');
  if (typeof raw.type !== 'string' || !raw.type.startsWith('order.'))
    fail('type is not an order event');
  const occurredAt = new Date(typeof raw.occurredAt === 'string' ? raw.occurredAt : Number.NaN);
  if (Number.isNaN(occurredAt.getTime())) fail('occurredAt is not a time');
  const order = raw.order;
  if (!isRecord(order)) fail('order is missing');
  if (typeof order.id !== 'string' || !UUID.test(order.id)) fail('order.id is not a UUID');
  if (typeof order.customerId !== 'string' || !UUID.test(order.customerId))
    fail('order.customerId is not a UUID');
  if (typeof order.status !== 'string') fail('order.status is missing');
  if (!Number.isInteger(order.totalCents) || (order.totalCents as number) < 0)
    fail('order.totalCents is not a non-negative integer');
  if (!Array.isArray(order.lines)) fail('order.lines is not a list');
  const lines = order.lines.map((line: unknown, index) => {
    if (
      !isRecord(line) ||
      typeof line.menuItemId !== 'string' ||
      !UUID.test(line.menuItemId) ||
      !Number.isInteger(line.quantity) ||
      (line.quantity as number) < 1 ||
      !Number.isInteger(line.unitPriceCents) ||
      (line.unitPriceCents as number) < 0
    ) {
      fail(`order.lines[${index}] is malformed`);
    }
    return {
      menuItemId: line.menuItemId,
      quantity: line.quantity as number,
      unitPriceCents: line.unitPriceCents as number,
    };
  });
  return {
    eventId: raw.eventId,
    type: raw.type,
    schemaVersion: 1,
    occurredAt,
    order: {
      id: order.id,
      customerId: order.customerId,
      status: order.status,
      ...(typeof order.statusReason === 'string' ? { statusReason: order.statusReason } : {}),
      totalCents: order.totalCents as number,
      lines,
    },
  };
}
