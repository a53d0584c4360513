import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { customerV1 } from '@everything/contracts';
import { loadConfig } from '@everything/config';
import { channelOptions, insecure } from '@everything/grpc';
import { Lifecycle } from '@everything/lifecycle';
import { createLogger } from '@everything/logger';
import { adoptTelemetry, type Telemetry } from '@everything/telemetry';
import { createPool } from '@everything/postgres';
import { closeValkey, createValkey } from '@everything/valkey';
import { createApp } from './app.ts';
import { orderConfigShape } from './config.ts';
import { installTemporalRuntime } from './temporal/runtime.ts';
import { temporalTracing } from './temporal/tracing.ts';

/** Wires the real dependencies from validated configuration and starts serving. */
export async function serve(telemetry: Telemetry): Promise<void> {
  const config = loadConfig(orderConfigShape);
  const logger = createLogger('order', config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.stopOnSignals();
  adoptTelemetry(telemetry, { logger, lifecycle });

  const pool = createPool(config, 'order', logger);
  lifecycle.onStop('postgres pool', () => pool.end());
  const valkey = createValkey(config.VALKEY_URL, config.VALKEY_KEY_PREFIX, logger);
  lifecycle.onStop('valkey', () => closeValkey(valkey));
  const customers = new customerV1.CustomerServiceClient(
    config.CUSTOMER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  lifecycle.onStop('customer client', () => customers.close());
  installTemporalRuntime(logger);
  // One connection for the worker and the client: eager workflow start hands a new order's
  // first workflow task straight to this process's worker, which needs the two to share it.
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  lifecycle.onStop('temporal connection', () => connection.close());
  const tracing = temporalTracing(telemetry);

  const app = await createApp({
    pool,
    database: config,
    valkey,
    logger,
    menuCacheTtlSeconds: config.MENU_CACHE_TTL_SECONDS,
    temporal: {
      connection,
      client: new Client({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        plugins: [tracing],
      }),
      plugins: [tracing],
      workflowBundlePath: config.TEMPORAL_WORKFLOW_BUNDLE,
      sizing: {
        maxCachedWorkflows: config.TEMPORAL_MAX_CACHED_WORKFLOWS,
        workflowTaskSlots: config.TEMPORAL_WORKFLOW_TASK_SLOTS,
        activityTaskSlots: config.TEMPORAL_ACTIVITY_TASK_SLOTS,
        workflowTaskPollers: config.TEMPORAL_WORKFLOW_TASK_POLLERS,
        activityTaskPollers: config.TEMPORAL_ACTIVITY_TASK_POLLERS,
      },
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    },
    customers,
    pointsPerFreeDrink: config.LOYALTY_POINTS_PER_FREE_DRINK,
    scheduling: {
      lateGraceMs: config.SCHEDULE_LATE_GRACE_MINUTES * 60_000,
      openingHours: config.CAFE_OPENING_HOURS,
      cafeTimeZone: config.CAFE_TIME_ZONE,
    },
    kafka: { brokers: config.KAFKA_BROKERS.split(','), topic: config.ORDER_EVENTS_TOPIC },
    timeouts: {
      acceptMs: config.ORDER_ACCEPT_TIMEOUT_SECONDS * 1_000,
      pickupMs: config.ORDER_PICKUP_TIMEOUT_SECONDS * 1_000,
      upstreamMs: config.UPSTREAM_TIMEOUT_MS,
    },
  });
  const port = await app.start(config.GRPC_HOST, config.GRPC_PORT);
  // Leave part of the budget for the pools that close after the server has drained.
  lifecycle.onStop('grpc server, worker and outbox relay', () =>
    app.close(config.SHUTDOWN_TIMEOUT_MS * 0.7),
  );
  logger.info({ port, databaseReachable: app.database.watch.reachable }, 'order service listening');
}
