import { randomUUID } from 'node:crypto';
import type { Logger } from '@everything/logger';
import { countCacheLookup, type Valkey } from '@everything/valkey';
import type { MenuItem } from './menu.ts';
import type { MenuRepository } from './menu-repository.ts';

/** Bump when the cached shape changes, so a deploy never reads its predecessor's entries. */
const MENU_KEY_PREFIX = 'menu:v2:';
/** The menu's current version: a random token that every change replaces. */
const VERSION_KEY = `${MENU_KEY_PREFIX}version`;

export type MenuSource = 'cache' | 'database';

/**
 * The menu with cache-aside in Valkey: read the cache, fall back to Postgres on a miss and
 * fill the cache. Valkey is never required: when it is down the menu comes from Postgres.
 * Every change to the menu must call `invalidate()` after its transaction commits.
 *
 * The cached menu is stored under the version that was current when the reader missed, and
 * `invalidate()` moves the version on. So a reader that missed, read the old menu and writes
 * it after a change fills an entry that nobody reads any more; deleting one fixed key instead
 * would let that late write serve the old menu for the whole TTL. Versions are random, never
 * counters: after Valkey loses the version key, no new version can match an old entry.
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
    const lookup = await this.#lookup().catch((error: unknown) => {
      this.#logger.debug({ err: error }, 'menu cache read failed; reading the database');
      countCacheLookup('menu', 'error');
      return undefined;
    });
    const cached = lookup?.menu ?? null;
    if (cached !== null) {
      countCacheLookup('menu', 'hit');
      this.#logger.debug({ cache: 'hit' }, 'menu served from cache');
      return { items: JSON.parse(cached) as MenuItem[], source: 'cache' };
    }
    countCacheLookup('menu', 'miss');
    const items = await this.#repository.listItems();
    if (lookup) {
      await this.#cache
        .set(`${MENU_KEY_PREFIX}${lookup.version}`, JSON.stringify(items), 'EX', this.#ttlSeconds)
        .catch((error: unknown) => {
          this.#logger.debug({ err: error }, 'menu cache write failed');
        });
    }
    this.#logger.debug({ cache: 'miss' }, 'menu served from database');
    return { items, source: 'database' };
  }

  /** The current version (made now if Valkey has none) and the menu cached under it, if any. */
  async #lookup(): Promise<{ version: string; menu: string | null }> {
    let version = await this.#cache.get(VERSION_KEY);
    if (version === null) {
      // NX: of readers racing to make the first version, all end up with the winner's.
      await this.#cache.set(VERSION_KEY, randomUUID(), 'NX');
      version = await this.#cache.get(VERSION_KEY);
      if (version === null) throw new Error('the menu cache version vanished');
    }
    return { version, menu: await this.#cache.get(`${MENU_KEY_PREFIX}${version}`) };
  }

  /**
   * Starts a new version, so no cached menu from before is read again. If Valkey cannot be
   * reached the stale entry lives until its TTL, so the error is passed on for the caller to
   * decide.
   */
  async invalidate(): Promise<void> {
    await this.#cache.set(VERSION_KEY, randomUUID());
  }
}
