import { setTimeout as sleep } from 'node:timers/promises';
import { customerV1, menuV1, orderV1, pushV1, roundV1, scheduleV1 } from '@everything/contracts';
import { loadConfig } from '@everything/config';
import { callUnary, channelOptions, checkHealth, insecure } from '@everything/grpc';
import { Lifecycle } from '@everything/lifecycle';
import { createLogger, type Logger } from '@everything/logger';
import { adoptTelemetry, type Telemetry } from '@everything/telemetry';
import { closeValkey, createValkey } from '@everything/valkey';
import { createApp } from './app.ts';
import { serverConfigShape } from './config.ts';
import { defaultWebRoot } from './web-app.ts';

/** Wires the real dependencies from validated configuration and starts serving. */
export async function serve(telemetry: Telemetry): Promise<void> {
  const config = loadConfig(serverConfigShape);
  const logger = createLogger('server', config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.stopOnSignals();
  adoptTelemetry(telemetry, { logger, lifecycle });

  const valkey = createValkey(config.VALKEY_URL, config.VALKEY_KEY_PREFIX, logger);
  lifecycle.onStop('valkey', () => closeValkey(valkey));
  const menu = new menuV1.MenuServiceClient(
    config.ORDER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  const orders = new orderV1.OrderServiceClient(
    config.ORDER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  const schedules = new scheduleV1.ScheduleServiceClient(
    config.ORDER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  const rounds = new roundV1.RoundServiceClient(
    config.ORDER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  const customers = new customerV1.CustomerServiceClient(
    config.CUSTOMER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  const push = new pushV1.PushServiceClient(
    config.CUSTOMER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  lifecycle.onStop('grpc clients', () => {
    menu.close();
    orders.close();
    schedules.close();
    rounds.close();
    customers.close();
    push.close();
  });
  const peers = [
    { name: 'order', probe: checkHealth(config.ORDER_SERVICE_ADDRESS) },
    { name: 'customer', probe: checkHealth(config.CUSTOMER_SERVICE_ADDRESS) },
  ];
  lifecycle.onStop('health probes', () => peers.forEach((peer) => peer.probe.close()));

  const app = await createApp({
    logger,
    menu,
    orders,
    schedules,
    rounds,
    customers,
    push,
    valkey,
    peers,
    tokens: {
      secret: config.JWT_SECRET,
      accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    },
    rateLimits: {
      perMinute: config.RATE_LIMIT_PER_MINUTE,
      authPerMinute: config.AUTH_RATE_LIMIT_PER_MINUTE,
    },
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    orderActionTimeoutMs: config.ORDER_ACTION_TIMEOUT_MS,
    placementLimits: {
      concurrency: config.ORDER_PLACEMENT_CONCURRENCY,
      queue: config.ORDER_PLACEMENT_QUEUE,
      maxWaitMs: config.ORDER_PLACEMENT_MAX_WAIT_MS,
    },
    trustProxyHops: config.TRUST_PROXY_HOPS,
    isAccepting: () => lifecycle.accepting,
    webRoot: defaultWebRoot,
  });
  await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  // Fastify's close stops accepting and waits for in-flight requests.
  lifecycle.onStop('http server', () => app.close());

  if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD) {
    void ensureAdmin(
      customers,
      config.BOOTSTRAP_ADMIN_EMAIL,
      config.BOOTSTRAP_ADMIN_PASSWORD,
      logger,
      () => lifecycle.accepting,
    );
  }
}

/** Creates the first admin when absent, retrying until the customer service answers. */
async function ensureAdmin(
  customers: customerV1.CustomerServiceClient,
  email: string,
  password: string,
  logger: Logger,
  running: () => boolean,
): Promise<void> {
  for (let attempt = 1; running(); attempt += 1) {
    try {
      await callUnary(customers, 'ensureAdmin', { email, password }, 5_000);
      logger.info('bootstrap admin is in place');
      return;
    } catch (error) {
      logger.warn({ err: error, attempt }, 'bootstrap admin not yet in place; retrying');
      await sleep(Math.min(attempt * 1_000, 10_000));
    }
  }
}
