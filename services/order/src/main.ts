import { loadConfig } from '@everything/config';
import { Lifecycle, runMain } from '@everything/lifecycle';
import { createLogger } from '@everything/logger';
import { createPool } from '@everything/postgres';
import { createValkey } from '@everything/valkey';
import { createApp } from './app.ts';
import { orderConfigShape } from './config.ts';

runMain('order', async () => {
  const config = loadConfig(orderConfigShape);
  const logger = createLogger('order', config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.stopOnSignals();

  const pool = createPool(config, 'order', logger);
  lifecycle.onStop('postgres pool', () => pool.end());
  const valkey = createValkey(config.VALKEY_URL, config.VALKEY_KEY_PREFIX, logger);
  lifecycle.onStop('valkey', async () => {
    await valkey.quit().catch(() => valkey.disconnect());
  });

  const app = await createApp({
    pool,
    valkey,
    logger,
    menuCacheTtlSeconds: config.MENU_CACHE_TTL_SECONDS,
  });
  const port = await app.listen(config.GRPC_HOST, config.GRPC_PORT);
  // Leave part of the budget for the pools that close after the server has drained.
  lifecycle.onStop('grpc server', () => app.close(config.SHUTDOWN_TIMEOUT_MS * 0.7));
  logger.info({ port, databaseReachable: app.database.watch.reachable }, 'order service listening');
});
