import { env } from '@everything/config';
import { postgresEnv } from '@everything/postgres';

export const customerConfigShape = {
  GRPC_HOST: env.string().default('0.0.0.0'),
  GRPC_PORT: env.port().default(50051),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(1_000, 120_000).default(10_000),
  /** The most a customer may owe before new orders are refused (default 100.00). */
  TAB_LIMIT_CENTS: env.int(0, 1_000_000).default(10_000),
  ...postgresEnv,
};
