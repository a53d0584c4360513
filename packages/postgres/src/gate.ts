import type pg from 'pg';
import type { Logger } from '@everything/logger';
import { isDatabaseUnavailable } from './pool.ts';
import { watchDatabase, type DatabaseWatch } from './watch.ts';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export interface DatabaseGate {
  /** Throws DatabaseUnavailableError at once while the last probe failed. */
  readonly guard: () => void;
  /** True for errors that mean "the database is not there", from the guard or from pg. */
  readonly isUnavailable: (error: unknown) => boolean;
  readonly watch: DatabaseWatch;
}

/**
 * Sheds requests while the service's own database is unreachable. A service that cannot reach
 * the data it owns reports NOT_SERVING and answers UNAVAILABLE immediately, rather than
 * serving from a cache it can no longer invalidate or holding requests until they time out.
 */
export async function gateOnDatabase(pool: pg.Pool, logger: Logger): Promise<DatabaseGate> {
  const watch = await watchDatabase(pool, logger);
  return {
    watch,
    guard: () => {
      if (!watch.reachable) throw new DatabaseUnavailableError('database unreachable');
    },
    isUnavailable: (error) =>
      error instanceof DatabaseUnavailableError || isDatabaseUnavailable(error),
  };
}
