import pg from 'pg';
import { env } from '@everything/config';
import type { Logger } from '@everything/logger';

/** The seed's database variables, the same for every service that owns a database. */
export const postgresEnv = {
  DB_HOST: env.string(),
  DB_PORT: env.port().default(5432),
  DB_NAME: env.string(),
  DB_USER: env.string(),
  DB_PASSWORD: env.string(),
  DB_POOL_SIZE: env.int(1, 50).default(10),
};

export interface PostgresConfig {
  DB_HOST: string;
  DB_PORT: number;
  DB_NAME: string;
  DB_USER: string;
  DB_PASSWORD: string;
  DB_POOL_SIZE: number;
}

export function connectionOptions(
  config: PostgresConfig,
  applicationName: string,
): pg.ClientConfig {
  return {
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    application_name: applicationName,
    keepAlive: true,
    // A database that accepts connections but answers nothing (frozen, or a network
    // partition) must fail a request within seconds, not hang it: both limits are client-side.
    connectionTimeoutMillis: 2_000,
    query_timeout: 5_000,
  };
}

/** A pool no larger than the seed's per-service connection budget (DB_POOL_SIZE). */
export function createPool(
  config: PostgresConfig,
  applicationName: string,
  logger: Logger,
): pg.Pool {
  const pool = new pg.Pool({
    ...connectionOptions(config, applicationName),
    max: config.DB_POOL_SIZE,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that the server drops emits here; without a listener it kills the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  return pool;
}

const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN', // a name server that did not answer yet (cluster DNS while a pod starts)
]);

/**
 * True when the error says the database could not be reached or did not answer in time, as
 * opposed to rejecting the query: callers turn it into "unavailable, try again".
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (connectionErrorCodes.has(code)) return true;
    // SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown).
    if (code.startsWith('08') || code.startsWith('57P')) return true;
  }
  return /timeout|Connection terminated|connect/i.test(error.message);
}
