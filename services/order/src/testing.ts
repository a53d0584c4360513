import { randomUUID } from 'node:crypto';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { migratedScratchDatabase, stack } from '@everything/test-support';
import { createValkey } from '@everything/valkey';

/**
 * The order service's real dependencies for one test: a freshly migrated database of its own
 * (with the seeded menu) and a Valkey key prefix no other test uses.
 */
export async function orderTestDeps() {
  const logger = createLogger('order-test', 'silent');
  const database = await migratedScratchDatabase(
    'order_service',
    new URL('../migrations/', import.meta.url),
  );
  const pool = createPool(database.config, 'order-test', logger);
  const keyPrefix = `test:${randomUUID()}:order:`;
  const valkey = createValkey(stack.valkeyUrl, keyPrefix, logger);
  return {
    logger,
    pool,
    valkey,
    keyPrefix,
    async close() {
      valkey.disconnect();
      await pool.end();
      await database.drop();
    },
  };
}
