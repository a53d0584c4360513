import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { customerV1 } from '@everything/contracts';
import { callUnary, checkHealth, type UnaryMethodName, type UnaryRequest } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import {
  listServicesByReflection,
  migratedScratchDatabase,
  outcome,
} from '@everything/test-support';
import { createApp, type CustomerApp } from './app.ts';

const logger = createLogger('customer-test', 'silent');
let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;
let pool: ReturnType<typeof createPool>;
let app: CustomerApp;
let address: string;
let client: customerV1.CustomerServiceClient;

before(async () => {
  database = await migratedScratchDatabase(
    'customer_service',
    new URL('../migrations/', import.meta.url),
  );
  pool = createPool(database.config, 'customer-test', logger);
  app = await createApp({ pool, logger, tabLimitCents: 1_000 });
  address = `127.0.0.1:${await app.start('127.0.0.1', 0)}`;
  client = new customerV1.CustomerServiceClient(address, grpc.credentials.createInsecure());
});
after(async () => {
  client.close();
  await app.close(1_000);
  await pool.end();
  await database.drop();
});

const call = <Name extends UnaryMethodName<customerV1.CustomerServiceClient>>(
  method: Name,
  request: UnaryRequest<customerV1.CustomerServiceClient, Name>,
) => outcome(callUnary(client, method, request, 5_000));

let registered = 0;
async function register(name = 'Ada') {
  registered += 1;
  const email = `${name.toLowerCase()}${registered}-${randomUUID().slice(0, 8)}@example.com`;
  const { error, response } = await call('registerCustomer', {
    email,
    password: 'correct horse',
    displayName: name,
  });
  assert.equal(error, null);
  assert.ok(response?.customer);
  return { ...response.customer, email };
}

test('a registered customer signs in with the password and gets a profile with empty balances', async () => {
  const ada = await register();
  assert.equal(ada.role, customerV1.Role.ROLE_CUSTOMER);
  const { error, response } = await call('verifyCredentials', {
    email: ada.email.toUpperCase(),
    password: 'correct horse',
  });
  assert.equal(error, null);
  assert.equal(response?.customer?.id, ada.id);
  assert.equal(response.customer.tabBalanceCents, 0);
  assert.equal(response.customer.loyaltyPoints, 0);
  assert.equal(response.customer.stats?.ordersCompleted, 0);
});

test('a wrong password and an unknown email get the same UNAUTHENTICATED answer', async () => {
  const ada = await register();
  const wrong = await call('verifyCredentials', { email: ada.email, password: 'wrong horse' });
  const unknown = await call('verifyCredentials', {
    email: 'nobody@example.com',
    password: 'correct horse',
  });
  assert.equal(wrong.error?.code, grpc.status.UNAUTHENTICATED);
  assert.equal(unknown.error?.code, grpc.status.UNAUTHENTICATED);
  assert.equal(wrong.error.details, unknown.error.details);
});

test('registering a taken email is ALREADY_EXISTS; a bad field is INVALID_ARGUMENT naming it', async () => {
  const ada = await register();
  const taken = await call('registerCustomer', {
    email: ada.email,
    password: 'another pass',
    displayName: 'Eve',
  });
  assert.equal(taken.error?.code, grpc.status.ALREADY_EXISTS);
  const bad = await call('registerCustomer', {
    email: 'x@example.com',
    password: 'short',
    displayName: 'Eve',
  });
  assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(bad.error.details, /^password: /);
});

test('EnsureAdmin creates the admin once and re-running it keeps one account', async () => {
  const email = `admin-${randomUUID().slice(0, 8)}@example.com`;
  const first = await call('ensureAdmin', { email, password: 'bootstrap secret' });
  const second = await call('ensureAdmin', { email, password: 'bootstrap secret' });
  assert.equal(first.response?.customer?.role, customerV1.Role.ROLE_ADMIN);
  assert.equal(second.response?.customer?.id, first.response.customer.id);
  const signIn = await call('verifyCredentials', { email, password: 'bootstrap secret' });
  assert.equal(signIn.response?.customer?.role, customerV1.Role.ROLE_ADMIN);
});

test('EnsureAdmin on a later start leaves an existing account as it is: a demotion and its password stick', async () => {
  const email = `admin-${randomUUID().slice(0, 8)}@example.com`;
  const created = await call('ensureAdmin', { email, password: 'bootstrap secret' });
  assert.ok(created.response?.customer);
  await call('setRole', { id: created.response.customer.id, role: customerV1.Role.ROLE_CUSTOMER });
  const restarted = await call('ensureAdmin', { email, password: 'a new bootstrap secret' });
  assert.equal(restarted.response?.customer?.id, created.response.customer.id);
  assert.equal(restarted.response.customer.role, customerV1.Role.ROLE_CUSTOMER);
  const newPassword = await call('verifyCredentials', {
    email,
    password: 'a new bootstrap secret',
  });
  assert.equal(newPassword.error?.code, grpc.status.UNAUTHENTICATED);
  const oldPassword = await call('verifyCredentials', { email, password: 'bootstrap secret' });
  assert.equal(oldPassword.response?.customer?.role, customerV1.Role.ROLE_CUSTOMER);
});

test('SetRole makes a customer a barista', async () => {
  const ada = await register();
  const { response } = await call('setRole', {
    id: ada.id,
    role: customerV1.Role.ROLE_BARISTA,
  });
  assert.equal(response?.customer?.role, customerV1.Role.ROLE_BARISTA);
  const missing = await call('setRole', {
    id: randomUUID(),
    role: customerV1.Role.ROLE_BARISTA,
  });
  assert.equal(missing.error?.code, grpc.status.NOT_FOUND);
});

test('charging an order twice charges once, refunding twice refunds once', async () => {
  const ada = await register();
  const orderId = randomUUID();
  const charges = await Promise.all(
    [1, 2, 3].map(() => call('chargeTab', { customerId: ada.id, orderId, amountCents: 400 })),
  );
  assert.deepEqual(charges.map(({ response }) => response?.applied).sort(), [false, false, true]);
  assert.ok(charges.every(({ response }) => response?.tabBalanceCents === 400));

  const refunds = await Promise.all(
    [1, 2].map(() => call('refundTab', { customerId: ada.id, orderId })),
  );
  assert.deepEqual(refunds.map(({ response }) => response?.applied).sort(), [false, true]);
  const { response } = await call('getCustomer', { id: ada.id });
  assert.equal(response?.customer?.tabBalanceCents, 0);
});

test('checking a tab charge says whether the limit would take it, and charges nothing', async () => {
  const ada = await register();
  await call('chargeTab', { customerId: ada.id, orderId: randomUUID(), amountCents: 600 });
  const fits = await call('checkTabCharge', { customerId: ada.id, amountCents: 400 });
  assert.deepEqual(fits.response, { allowed: true, reason: '', tabBalanceCents: 600 });
  const over = await call('checkTabCharge', { customerId: ada.id, amountCents: 401 });
  assert.equal(over.response?.allowed, false);
  assert.match(over.response.reason, /over its limit of 1000 cents/);
  assert.equal(over.response.tabBalanceCents, 600);
  const unknown = await call('checkTabCharge', { customerId: randomUUID(), amountCents: 1 });
  assert.equal(unknown.error?.code, grpc.status.NOT_FOUND);
});

test('refunding an order never charged changes nothing', async () => {
  const ada = await register();
  const { response } = await call('refundTab', { customerId: ada.id, orderId: randomUUID() });
  assert.deepEqual(response, { tabBalanceCents: 0, applied: false });
});

/**
 * Runs `late` while another transaction holds the customer's row lock, as a charge that timed
 * out on its caller's side does while it waits; then runs `meanwhile` and lets the lock go.
 */
async function whileLocked<Late, Meanwhile>(
  customerId: string,
  late: () => Promise<Late>,
  meanwhile: () => Promise<Meanwhile>,
): Promise<[Late, Meanwhile]> {
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [customerId]);
    const lateResult = late();
    await waitForLockWaiters(1);
    const meanwhileResult = meanwhile();
    // The second call either queues on the lock too or has already finished without it.
    await Promise.race([waitForLockWaiters(2), meanwhileResult]);
    await holder.query('COMMIT');
    return [await lateResult, await meanwhileResult];
  } finally {
    holder.release();
  }
}

async function waitForLockWaiters(count: number) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { rows } = await pool.query<{ waiting: number }>(
      "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    if ((rows[0]?.waiting ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${count} queries waited for the lock`);
}

test('a charge that arrives after its order was refunded is refused, and the tab stays at zero', async () => {
  const ada = await register();
  const orderId = randomUUID();
  const refund = await call('refundTab', { customerId: ada.id, orderId });
  assert.deepEqual(refund.response, { tabBalanceCents: 0, applied: false });
  const late = await call('chargeTab', { customerId: ada.id, orderId, amountCents: 400 });
  assert.equal(late.error?.code, grpc.status.FAILED_PRECONDITION);
  assert.match(late.error.details, /was refunded/);
  const { response } = await call('getCustomer', { id: ada.id });
  assert.equal(response?.customer?.tabBalanceCents, 0);
  // Other orders are charged as before.
  const next = await call('chargeTab', {
    customerId: ada.id,
    orderId: randomUUID(),
    amountCents: 300,
  });
  assert.equal(next.response?.tabBalanceCents, 300);
});

test('a charge waiting on the customer lock when the refund comes is refunded, whichever commits first', async () => {
  const ada = await register();
  const orderId = randomUUID();
  const [charge, refund] = await whileLocked(
    ada.id,
    () => call('chargeTab', { customerId: ada.id, orderId, amountCents: 400 }),
    () => call('refundTab', { customerId: ada.id, orderId }),
  );
  assert.equal(charge.response?.applied, true);
  assert.equal(refund.response?.applied, true);
  assert.equal(refund.response.tabBalanceCents, 0);
  const again = await call('chargeTab', { customerId: ada.id, orderId, amountCents: 400 });
  assert.equal(again.error?.code, grpc.status.FAILED_PRECONDITION);
  const { response } = await call('getCustomer', { id: ada.id });
  assert.equal(response?.customer?.tabBalanceCents, 0);
});

/** Gives the customer `points` through a completed order, as the order events do. */
async function earnPoints(customerId: string, points: number) {
  const orderId = randomUUID();
  await pool.query(
    "INSERT INTO loyalty_entries (customer_id, order_id, event_id, points, reason) VALUES ($1, $2, gen_random_uuid(), $3, 'earned')",
    [customerId, orderId, points],
  );
}

test('a redemption that arrives after its order gave points back is refused, and the points stay', async () => {
  const ada = await register();
  await earnPoints(ada.id, 150);
  const orderId = randomUUID();
  const restore = await call('restorePoints', { customerId: ada.id, orderId });
  assert.deepEqual(restore.response, { loyaltyPoints: 150, applied: false });
  const late = await call('redeemPoints', { customerId: ada.id, orderId, points: 100 });
  assert.equal(late.error?.code, grpc.status.FAILED_PRECONDITION);
  assert.match(late.error.details, /gave its points back/);
  const { response } = await call('getCustomer', { id: ada.id });
  assert.equal(response?.customer?.loyaltyPoints, 150);
});

test('a redemption waiting on the customer lock when the restore comes is given back', async () => {
  const ada = await register();
  await earnPoints(ada.id, 150);
  const orderId = randomUUID();
  const [redeem, restore] = await whileLocked(
    ada.id,
    () => call('redeemPoints', { customerId: ada.id, orderId, points: 100 }),
    () => call('restorePoints', { customerId: ada.id, orderId }),
  );
  assert.equal(redeem.response?.applied, true);
  assert.deepEqual(restore.response, { loyaltyPoints: 150, applied: true });
  const again = await call('redeemPoints', { customerId: ada.id, orderId, points: 100 });
  assert.equal(again.error?.code, grpc.status.FAILED_PRECONDITION);
  const { response } = await call('getCustomer', { id: ada.id });
  assert.equal(response?.customer?.loyaltyPoints, 150);
});

test('a charge past the tab limit is FAILED_PRECONDITION and leaves the balance as it was', async () => {
  const ada = await register();
  await call('chargeTab', { customerId: ada.id, orderId: randomUUID(), amountCents: 800 });
  const over = await call('chargeTab', {
    customerId: ada.id,
    orderId: randomUUID(),
    amountCents: 300,
  });
  assert.equal(over.error?.code, grpc.status.FAILED_PRECONDITION);
  assert.match(over.error.details, /over its limit of 1000 cents/);
  const { response } = await call('getCustomer', { id: ada.id });
  assert.equal(response?.customer?.tabBalanceCents, 800);
});

test('two refreshes racing with one token: one rotates it, the other ends the session for both', async () => {
  const ada = await register();
  const started = await call('startSession', { customerId: ada.id, ttlSeconds: 600 });
  assert.ok(started.response?.session);
  const { refreshToken } = started.response.session;
  const raced = await Promise.all([
    call('refreshSession', { refreshToken }),
    call('refreshSession', { refreshToken }),
  ]);
  const winner = raced.find(({ response }) => response?.session);
  const loser = raced.find(({ error }) => error);
  assert.equal(loser?.error?.code, grpc.status.UNAUTHENTICATED);
  assert.equal(winner?.response?.customer?.id, ada.id);
  assert.equal(
    winner.response.session?.expiresAt?.getTime(),
    started.response.session.expiresAt?.getTime(),
  );
  const next = await call('refreshSession', {
    refreshToken: winner.response.session?.refreshToken ?? '',
  });
  assert.equal(next.error?.code, grpc.status.UNAUTHENTICATED);
});

test('CheckSession answers the role now while the session lives, UNAUTHENTICATED once it ended', async () => {
  const ada = await register();
  const started = await call('startSession', { customerId: ada.id, ttlSeconds: 600 });
  const sessionId = started.response?.session?.id ?? '';
  await call('setRole', { id: ada.id, role: customerV1.Role.ROLE_BARISTA });
  const live = await call('checkSession', { customerId: ada.id, sessionId });
  assert.equal(live.response?.role, customerV1.Role.ROLE_BARISTA);
  const ended = await call('endAllSessions', { customerId: ada.id });
  assert.equal(ended.response?.ended, 1);
  const after = await call('checkSession', { customerId: ada.id, sessionId });
  assert.equal(after.error?.code, grpc.status.UNAUTHENTICATED);
  const unknown = await call('startSession', { customerId: randomUUID(), ttlSeconds: 600 });
  assert.equal(unknown.error?.code, grpc.status.NOT_FOUND);
  const forever = await call('startSession', { customerId: ada.id, ttlSeconds: 0 });
  assert.equal(forever.error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(forever.error.details, /^ttlSeconds: /);
});

test('GetCustomer: an unknown id is NOT_FOUND, a malformed one INVALID_ARGUMENT naming the field', async () => {
  const unknown = await call('getCustomer', { id: '00000000-0000-4000-8000-000000000000' });
  assert.equal(unknown.error?.code, grpc.status.NOT_FOUND);
  const malformed = await call('getCustomer', { id: '42' });
  assert.equal(malformed.error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(malformed.error.details, /^id: must be a UUID/);
});

test('health reports SERVING and reflection describes the customer and push services', async () => {
  const probe = checkHealth(address, 'everything.customer.v1.CustomerService');
  assert.equal(await probe.status(1_000), 'SERVING');
  probe.close();
  assert.deepEqual(await listServicesByReflection(address), [
    'everything.customer.v1.CustomerService',
    'everything.customer.v1.PushService',
    'grpc.health.v1.Health',
  ]);
});
