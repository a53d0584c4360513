import { env } from '@everything/config';
import { postgresEnv } from '@everything/postgres';
import { valkeyEnv } from '@everything/valkey';

export const orderConfigShape = {
  GRPC_HOST: env.string().default('0.0.0.0'),
  GRPC_PORT: env.port().default(50051),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(1_000, 120_000).default(10_000),
  MENU_CACHE_TTL_SECONDS: env.int(1, 86_400).default(300),
  ...postgresEnv,
  ...valkeyEnv,
};
