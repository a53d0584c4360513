import { createHash, randomUUID } from 'node:crypto';
import type { Valkey } from '@everything/valkey';
import { Problem, problems } from './problem.ts';

/** JSON with object keys sorted, so the same body written in another key order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The answer to a request that places an order without a usable Idempotency-Key. */
export const idempotencyKeyRequired = () =>
  new Problem(
    400,
    'idempotency-key-required',
    'Idempotency-Key required',
    'Send an Idempotency-Key header (1 to 255 characters) so a retry never orders twice.',
    { extensions: { errors: [{ field: 'Idempotency-Key', message: 'is required' }] } },
  );

/** How long a key is remembered: a client retrying after a day is placing a new order. */
const TTL_SECONDS = 24 * 60 * 60;

interface StoredKey {
  fingerprint: string;
  resourceId: string;
}

// Written here rather than taken from a plugin: what must be remembered is the id of the order
// the key created, before the order exists, so that concurrent retries converge on one order
// the order service itself deduplicates; response-replay plugins cannot do that across replicas.
/**
 * Idempotency keys in Valkey. The first request with a key reserves it with a fresh resource
 * id; later requests with the same key and the same body get that id back (and the order
 * service returns the same order); the same key with a different body is a 422.
 */
export async function reserveIdempotencyKey(
  valkey: Valkey,
  scope: { principal: string; key: string | undefined },
  body: unknown,
): Promise<string> {
  const key = scope.key?.trim();
  if (!key || key.length > 255) throw idempotencyKeyRequired();
  const record: StoredKey = {
    fingerprint: createHash('sha256').update(canonicalJson(body)).digest('base64url'),
    resourceId: randomUUID(),
  };
  const storageKey = `idempotency:${scope.principal}:${createHash('sha256').update(key).digest('base64url')}`;
  try {
    const created = await valkey.set(storageKey, JSON.stringify(record), 'EX', TTL_SECONDS, 'NX');
    if (created === 'OK') return record.resourceId;
    const existing = await valkey.get(storageKey);
    // Expired between the two commands: reserve it afresh.
    if (existing === null) return await reserveIdempotencyKey(valkey, scope, body);
    const stored = JSON.parse(existing) as StoredKey;
    if (stored.fingerprint !== record.fingerprint) {
      throw new Problem(
        422,
        'idempotency-key-reused',
        'Idempotency-Key reused',
        'This Idempotency-Key was used with a different request body.',
      );
    }
    return stored.resourceId;
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw problems.serviceUnavailable(
      'Cannot guarantee exactly-once ordering right now; try again shortly.',
    );
  }
}
