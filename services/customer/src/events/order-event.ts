import { EventSchemaError, readableOrderEventVersions, readOrderEvent } from '@everything/events';

/** An order event as the customer service uses it, whichever schema version it came in. */
export interface OrderEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
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
  /** On order.customer_notified: what the customer is told about, such as round_ready. */
  notification?: { about: string };
}

/** A message that can never be applied, however often it is retried: it goes to the dead-letter topic. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

/** Version 1 (packages/events/schemas/order-event.v1.schema.json), once its schema passed. */
interface OrderEventV1 {
  eventId: string;
  type: string;
  schemaVersion: 1;
  occurredAt: string;
  order: Omit<OrderEvent['order'], 'statusReason'> & {
    customerName: string;
    statusReason: string | null;
  };
  notification?: { about: string };
}

/**
 * One reader per schema version the consumer accepts. A new major version gets a reader here
 * beside the old one, which stays until no message of the old version can still be read.
 */
const readers: Record<number, (value: unknown) => OrderEvent> = {
  1: (value) => {
    const event = value as OrderEventV1;
    return {
      eventId: event.eventId,
      type: event.type,
      schemaVersion: 1,
      occurredAt: new Date(event.occurredAt),
      order: {
        id: event.order.id,
        customerId: event.order.customerId,
        status: event.order.status,
        ...(event.order.statusReason === null ? {} : { statusReason: event.order.statusReason }),
        totalCents: event.order.totalCents,
        lines: event.order.lines.map(({ menuItemId, quantity, unitPriceCents }) => ({
          menuItemId,
          quantity,
          unitPriceCents,
        })),
      },
      ...(event.notification ? { notification: { about: event.notification.about } } : {}),
    };
  },
};

/**
 * Parses a message's value and checks it against the schema of its version: the message's
 * `schema-version` header, or the value's own `schemaVersion` when the header is missing.
 * Every way it can be wrong is named.
 */
export function parseOrderEvent(value: string, schemaVersionHeader?: string): OrderEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new PoisonMessageError('value is not JSON');
  }
  const declared =
    schemaVersionHeader ??
    (typeof raw === 'object' && raw !== null && 'schemaVersion' in raw
      ? String(raw.schemaVersion)
      : 'none');
  const version = Number(declared);
  const read = readableOrderEventVersions.includes(version) ? readers[version] : undefined;
  if (!read) throw new PoisonMessageError(`unsupported schema version ${declared}`);
  try {
    readOrderEvent(raw, version);
  } catch (error) {
    if (error instanceof EventSchemaError) throw new PoisonMessageError(error.message);
    throw error;
  }
  return read(raw);
}
