import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@everything/logger';
import { serviceDatabase } from '@everything/test-support';
import { createPool, isDatabaseUnavailable } from './index.ts';

const logger = createLogger('pool-test', 'silent');

test('an unreachable database is classified as unavailable', async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused.
  const pool = createPool({ ...serviceDatabase('order_service'), DB_PORT: 1 }, 'test', logger);
  const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
  await pool.end();
  assert.ok(error instanceof Error);
  assert.equal(isDatabaseUnavailable(error), true);
});

test('a query the database rejects is not classified as unavailable', async () => {
  const pool = createPool(serviceDatabase('order_service'), 'test', logger);
  const error = await pool.query('SELECT * FROM no_such_table').catch((caught: unknown) => caught);
  await pool.end();
  assert.ok(error instanceof Error);
  assert.equal(isDatabaseUnavailable(error), false);
});

test('wrong credentials are not mistaken for an outage', async () => {
  const pool = createPool(
    { ...serviceDatabase('order_service'), DB_PASSWORD: 'wrong' },
    'test',
    logger,
  );
  const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
  await pool.end();
  assert.ok(error instanceof Error);
  assert.match(error.message, /password authentication failed/);
  assert.equal(isDatabaseUnavailable(error), false);
});
