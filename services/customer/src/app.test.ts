import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { customerV1 } from '@everything/contracts';
import { checkHealth } from '@everything/grpc';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { listServicesByReflection, migratedScratchDatabase } from '@everything/test-support';
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
  app = await createApp({ pool, logger });
  address = `127.0.0.1:${await app.listen('127.0.0.1', 0)}`;
  client = new customerV1.CustomerServiceClient(address, grpc.credentials.createInsecure());
});
after(async () => {
  client.close();
  await app.close(1_000);
  await pool.end();
  await database.drop();
});

const getCustomer = (id: string) =>
  new Promise<{ error: grpc.ServiceError | null; response?: customerV1.GetCustomerResponse }>(
    (resolve) => {
      client.getCustomer({ id }, (error, response) => resolve({ error, response }));
    },
  );

test('GetCustomer returns the stored profile', async () => {
  const { rows } = await pool.query<{ id: string; created_at: Date }>(
    "INSERT INTO customers (email, display_name) VALUES ('ada@example.com', 'Ada') RETURNING id, created_at",
  );
  const stored = rows[0];
  assert.ok(stored);
  const { error, response } = await getCustomer(stored.id);
  assert.equal(error, null);
  assert.deepEqual(response?.customer, {
    id: stored.id,
    email: 'ada@example.com',
    displayName: 'Ada',
    createdAt: stored.created_at,
  });
});

test('an unknown id is NOT_FOUND', async () => {
  const { error } = await getCustomer('00000000-0000-4000-8000-000000000000');
  assert.equal(error?.code, grpc.status.NOT_FOUND);
});

test('an id that is not a UUID is INVALID_ARGUMENT naming the field', async () => {
  const { error } = await getCustomer('42');
  assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error.details, /^id: must be a UUID/);
});

test('health reports SERVING and reflection describes the customer service', async () => {
  const probe = checkHealth(address, 'everything.customer.v1.CustomerService');
  assert.equal(await probe.status(1_000), 'SERVING');
  probe.close();
  assert.deepEqual(await listServicesByReflection(address), [
    'everything.customer.v1.CustomerService',
    'grpc.health.v1.Health',
  ]);
});
