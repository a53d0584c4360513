import type { Logger } from '@everything/logger';
import { countCacheLookup, type Valkey } from '@everything/valkey';
import type { MenuItem } from './menu.ts';
import type { MenuRepository } from './menu-repository.ts';

/** Bump when the cached shape changes, so a deploy never reads its predecessor's entries. */
const MENU_KEY = 'menu:v1';

export type MenuSource = 'cache' | 'database';

/**
 * The menu with cache-aside in Valkey: read the cache, fall back to Postgres on a miss and
 * fill the cache. Valkey is never required: when it is down the menu comes from Postgres.
 * Every change to the menu must call `invalidate()` after its transaction commits.
 */
export class MenuCatalog {
  readonly #repository: MenuRepository;
  readonly #cache: Valkey;
  readonly #ttlSeconds: number;
  readonly #logger: Logger;

  constructor(repository: MenuRepository, cache: Valkey, ttlSeconds: number, logger: Logger) {
    this.#repository = repository;
    this.#cache = cache;
    this.#ttlSeconds = ttlSeconds;
    this.#logger = logger;
  }

  async list(): Promise<{ items: MenuItem[]; source: MenuSource }> {
    const cached = await this.#cache.get(MENU_KEY).catch((error: unknown) => {
      this.#logger.debug({ err: error }, 'menu cache read failed; reading the database');
      countCacheLookup('menu', 'error');
      return null;
    });
    if (cached !== null) {
      countCacheLookup('menu', 'hit');
      this.#logger.debug({ cache: 'hit' }, 'menu served from cache');
      return { items: JSON.parse(cached) as MenuItem[], source: 'cache' };
    }
    countCacheLookup('menu', 'miss');
    const items = await this.#repository.listItems();
    await this.#cache
      .set(MENU_KEY, JSON.stringify(items), 'EX', this.#ttlSeconds)
      .catch((error: unknown) => {
        this.#logger.debug({ err: error }, 'menu cache write failed');
      });
    this.#logger.debug({ cache: 'miss' }, 'menu served from database');
    return { items, source: 'database' };
  }

  /**
   * Drops the cached menu. If Valkey cannot be reached the stale entry lives until its TTL,
   * so the error is passed on for the caller to decide.
   */
  async invalidate(): Promise<void> {
    await this.#cache.del(MENU_KEY);
  }
}
