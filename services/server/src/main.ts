import { menuV1 } from '@everything/contracts';
import { loadConfig } from '@everything/config';
import { channelOptions, checkHealth, insecure } from '@everything/grpc';
import { Lifecycle, runMain } from '@everything/lifecycle';
import { createLogger } from '@everything/logger';
import { createApp } from './app.ts';
import { serverConfigShape } from './config.ts';

runMain('server', async () => {
  const config = loadConfig(serverConfigShape);
  const logger = createLogger('server', config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.stopOnSignals();

  const menu = new menuV1.MenuServiceClient(
    config.ORDER_SERVICE_ADDRESS,
    insecure(),
    channelOptions,
  );
  lifecycle.onStop('order client', () => menu.close());
  const peers = [
    { name: 'order', probe: checkHealth(config.ORDER_SERVICE_ADDRESS) },
    { name: 'customer', probe: checkHealth(config.CUSTOMER_SERVICE_ADDRESS) },
  ];
  lifecycle.onStop('health probes', () => peers.forEach((peer) => peer.probe.close()));

  const app = await createApp({
    logger,
    menu,
    peers,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    isAccepting: () => lifecycle.accepting,
  });
  await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  // Fastify's close stops accepting and waits for in-flight requests.
  lifecycle.onStop('http server', () => app.close());
});
