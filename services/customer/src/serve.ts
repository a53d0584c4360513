import { ConfigError, loadConfig } from '@everything/config';
import { Lifecycle } from '@everything/lifecycle';
import { createLogger } from '@everything/logger';
import { adoptTelemetry, type Telemetry } from '@everything/telemetry';
import { createPool } from '@everything/postgres';
import { createApp } from './app.ts';
import { customerConfigShape } from './config.ts';
import { defaultPushOrigins, parseAllowedOrigins } from './push/push-endpoint.ts';

/** Wires the real dependencies from validated configuration and starts serving. */
export async function serve(telemetry: Telemetry): Promise<void> {
  const config = loadConfig(customerConfigShape);
  if ((config.VAPID_PUBLIC_KEY === undefined) !== (config.VAPID_PRIVATE_KEY === undefined))
    throw new ConfigError(
      'invalid configuration:\n  VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both or neither',
    );
  const logger = createLogger('customer', config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.stopOnSignals();
  adoptTelemetry(telemetry, { logger, lifecycle });

  const pool = createPool(config, 'customer', logger);
  lifecycle.onStop('postgres pool', () => pool.end());

  const app = await createApp({
    pool,
    logger,
    tabLimitCents: config.TAB_LIMIT_CENTS,
    events: {
      brokers: config.KAFKA_BROKERS.split(','),
      topic: config.ORDER_EVENTS_TOPIC,
      deadLetterTopic: config.ORDER_EVENTS_DLQ_TOPIC,
      groupId: config.CONSUMER_GROUP_ID,
    },
    push:
      config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY
        ? {
            vapid: {
              publicKey: config.VAPID_PUBLIC_KEY,
              privateKey: config.VAPID_PRIVATE_KEY,
              subject: config.VAPID_SUBJECT,
            },
            allowedOrigins: config.WEB_PUSH_ALLOWED_ORIGINS
              ? parseAllowedOrigins(config.WEB_PUSH_ALLOWED_ORIGINS)
              : defaultPushOrigins,
            attempts: 5,
            retryBaseMs: 1_000,
            pickupTimeoutMs: config.ORDER_PICKUP_TIMEOUT_SECONDS * 1_000,
            remindBeforeMs: config.PICKUP_REMINDER_MINUTES * 60_000,
          }
        : undefined,
  });
  const port = await app.start(config.GRPC_HOST, config.GRPC_PORT);
  lifecycle.onStop('grpc server and event consumer', () =>
    app.close(config.SHUTDOWN_TIMEOUT_MS * 0.7),
  );
  logger.info(
    { port, databaseReachable: app.database.watch.reachable },
    'customer service listening',
  );
}
