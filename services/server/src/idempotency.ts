import { createHash, randomUUID } from 'node:crypto';
import type { Valkey } from '@everything/valkey';
import { Problem } from './problem.ts';

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

/** What the order service needs to place an order once per key. */
export interface Reservation {
  /** The order id to place under: the one an earlier attempt used, when Valkey remembers it. */
  resourceId: string;
  /** A digest of the key, so the key itself is stored nowhere. */
  keyDigest: string;
  /** A digest of the request, to refuse the same key for a different order. */
  fingerprint: string;
}

/**
 * Idempotency keys. The order service's database is the source of truth: it records which
 * order each (customer, key) placed, in the transaction that places it, and answers a retry
 * with that order whatever id the retry carries. Valkey is only the fast path: the first
 * request with a key reserves it there with a fresh order id, so retries (even concurrent ones,
 * on any replica) carry the same id, and the same key with a different body is refused here
 * without a call. When Valkey is down or has lost the key, a fresh id goes to the order
 * service, which still returns the order the key placed.
 */
export async function reserveIdempotencyKey(
  valkey: Valkey,
  scope: { principal: string; key: string | undefined },
  body: unknown,
  log?: { warn: (object: object, message: string) => void },
): Promise<Reservation> {
  const key = scope.key?.trim();
  if (!key || key.length > 255) throw idempotencyKeyRequired();
  const keyDigest = createHash('sha256').update(key).digest('base64url');
  const record: StoredKey = {
    fingerprint: createHash('sha256').update(canonicalJson(body)).digest('base64url'),
    resourceId: randomUUID(),
  };
  const reservation = (resourceId: string): Reservation => ({
    resourceId,
    keyDigest,
    fingerprint: record.fingerprint,
  });
  const storageKey = `idempotency:${scope.principal}:${keyDigest}`;
  try {
    const created = await valkey.set(storageKey, JSON.stringify(record), 'EX', TTL_SECONDS, 'NX');
    if (created === 'OK') return reservation(record.resourceId);
    const existing = await valkey.get(storageKey);
    // Expired between the two commands: reserve it afresh.
    if (existing === null) return await reserveIdempotencyKey(valkey, scope, body, log);
    const stored = JSON.parse(existing) as StoredKey;
    if (stored.fingerprint !== record.fingerprint) throw keyReused();
    return reservation(stored.resourceId);
  } catch (error) {
    if (error instanceof Problem) throw error;
    log?.warn({ err: error }, 'idempotency fast path unavailable; the order database decides');
    return reservation(record.resourceId);
  }
}

export const keyReused = () =>
  new Problem(
    422,
    'idempotency-key-reused',
    'Idempotency-Key reused',
    'This Idempotency-Key was used with a different request body.',
  );
