// The Kafka event contracts: one JSON Schema per major version (../schemas/*.schema.json),
// checked by the producer before it writes and by the consumer after it reads.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
// Imported, not read from disk: a service's bundle (scripts/bundle.ts) carries them inside it,
// where a path relative to this file would point nowhere. `scripts/contracts/events.sh`
// compares the files with the last release.
import orderEventV1 from '../schemas/order-event.v1.schema.json' with { type: 'json' };

const orderEventSchemas: Record<number, object> = {
  1: orderEventV1,
};

/** The version of the order event the producer writes now (the `schema-version` header). */
export const ORDER_EVENT_SCHEMA_VERSION = 1;

/** The versions a consumer reads: during a move to a new major version, the old one and the new. */
export const readableOrderEventVersions = Object.keys(orderEventSchemas).map(Number);

/** An event that does not match its schema; the message names every field that is wrong. */
export class EventSchemaError extends Error {
  override name = 'EventSchemaError';
}

function compile(mode: 'write' | 'read'): Map<number, ValidateFunction> {
  // Writing is strict: nothing undeclared leaves the producer. Reading tolerates what a newer
  // minor version of the same major added, and drops it, so producers can be upgraded first.
  const ajv = new Ajv({ allErrors: true, removeAdditional: mode === 'read' });
  addFormats.default(ajv, ['uuid', 'date-time']);
  return new Map(
    Object.entries(orderEventSchemas).map(([version, schema]) => [
      Number(version),
      ajv.compile(schema),
    ]),
  );
}

let validators: Record<'write' | 'read', Map<number, ValidateFunction>> | undefined;

function validatorFor(mode: 'write' | 'read', version: number): ValidateFunction {
  validators ??= { write: compile('write'), read: compile('read') };
  const validate = validators[mode].get(version);
  if (!validate) throw new EventSchemaError(`unsupported schema version ${version}`);
  return validate;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => {
      const field = error.instancePath
        .slice(1)
        .split('/')
        .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index ? `.${part}` : part))
        .join('');
      const message =
        error.keyword === 'additionalProperties'
          ? `must NOT have the undeclared property '${String(error.params.additionalProperty)}'`
          : (error.message ?? 'is invalid');
      return `${field || 'event'} ${message}`;
    })
    .join('; ');
}

/** Throws unless `payload` is a valid order event of the version the producer writes. */
export function checkOrderEventToWrite(
  payload: unknown,
  version = ORDER_EVENT_SCHEMA_VERSION,
): void {
  const validate = validatorFor('write', version);
  if (!validate(payload)) {
    throw new EventSchemaError(`order event v${version} is invalid: ${describe(validate.errors)}`);
  }
}

/**
 * Checks an order event a consumer read against the schema of its version (from the message's
 * `schema-version` header), removing fields a newer minor version added. Throws naming what is
 * wrong.
 */
export function readOrderEvent(value: unknown, version: number): void {
  const validate = validatorFor('read', version);
  if (!validate(value)) throw new EventSchemaError(describe(validate.errors));
}

/**
 * The header that carries the epoch of the order service's outbox relay that sent a message
 * (see services/order/src/events/outbox-relay.ts). Messages of releases before it have none.
 */
export const RELAY_EPOCH_HEADER = 'relay-epoch';

/** The relay epoch a message's header names, or undefined when it has none; throws when malformed. */
export function readRelayEpoch(header: string | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  if (!/^[1-9]\d{0,17}$/.test(header))
    throw new EventSchemaError(`${RELAY_EPOCH_HEADER} header is not a positive integer`);
  return BigInt(header);
}
