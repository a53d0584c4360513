import { env } from '@everything/config';

export const serverConfigShape = {
  HTTP_HOST: env.string().default('0.0.0.0'),
  HTTP_PORT: env.port().default(8080),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(1_000, 120_000).default(10_000),
  /** The seed's DNS names, such as order.staging.svc.cluster.local:50051. */
  ORDER_SERVICE_ADDRESS: env.address(),
  CUSTOMER_SERVICE_ADDRESS: env.address(),
  /** Deadline of every call to a peer service: a slow peer answers 503, it never hangs a request. */
  UPSTREAM_TIMEOUT_MS: env.int(100, 30_000).default(2_000),
};
