import { Redis } from 'ioredis';
import { env } from '@everything/config';
import type { Logger } from '@everything/logger';

export type { Redis as Valkey };
export { countCacheLookup } from './cache-metrics.ts';

/** VALKEY_URL is the server; VALKEY_KEY_PREFIX keeps environments and services apart on it. */
export const valkeyEnv = {
  VALKEY_URL: env.url(['redis', 'rediss']),
  VALKEY_KEY_PREFIX: env.string().regex(/:$/, 'must end with ":", such as staging:order:'),
};

/**
 * A Valkey connection tuned for a cache and guard rails, never for the source of truth: when
 * the server is down or slow, commands fail within a fraction of a second instead of queueing,
 * so callers fall back to the database. ioredis reconnects in the background.
 */
export function createValkey(url: string, keyPrefix: string, logger: Logger): Redis {
  const client = new Redis(url, {
    keyPrefix,
    connectTimeout: 2_000,
    commandTimeout: 500,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let healthy = true;
  client.on('error', (error) => {
    if (healthy) logger.warn({ err: error }, 'valkey unreachable');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info('valkey reachable again');
    healthy = true;
  });
  return client;
}

/** Closes politely (QUIT, after pending replies), or at once when the server is unreachable. */
export async function closeValkey(client: Redis): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** Waits until the client is connected, failing after `timeoutMs`. */
export async function valkeyReady(client: Redis, timeoutMs = 5_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`valkey not ready within ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}
