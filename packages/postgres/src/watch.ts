import type pg from 'pg';
import type { Logger } from '@everything/logger';

export interface DatabaseWatch {
  readonly reachable: boolean;
  /** Calls `listener` now with the current state, then on every change. */
  subscribe(listener: (reachable: boolean) => void): void;
  stop(): void;
}

/**
 * Probes the database every `intervalMs` and reports each change of reachability, so health
 * checks answer from memory and a service sheds requests at once when its database is gone.
 * Resolves after the first probe.
 */
export async function watchDatabase(
  pool: pg.Pool,
  logger: Logger,
  intervalMs = 1_000,
): Promise<DatabaseWatch> {
  let reachable = false;
  let probed = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const listeners: ((reachable: boolean) => void)[] = [];

  const probe = async () => {
    let now: boolean;
    try {
      await pool.query({
        text: 'SELECT 1',
        query_timeout: Math.max(intervalMs, 1_000),
      } as pg.QueryConfig);
      now = true;
    } catch (error) {
      now = false;
      if (reachable || !probed) logger.warn({ err: error }, 'database unreachable');
    }
    if (probed && now && !reachable) logger.info('database reachable again');
    const changed = now !== reachable;
    reachable = now;
    probed = true;
    if (changed) for (const listener of listeners) listener(now);
  };

  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void probe().finally(loop), intervalMs);
  };

  await probe();
  loop();
  return {
    get reachable() {
      return reachable;
    },
    subscribe(listener) {
      listeners.push(listener);
      listener(reachable);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
