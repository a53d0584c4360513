import type { FastifyBaseLogger } from 'fastify';
import type { customerV1 } from '@everything/contracts';
import { countCacheLookup, type Valkey } from '@everything/valkey';
import { callPeer } from './upstream/grpc-call.ts';

const TTL_SECONDS = 300;

/**
 * Cache-aside for favorites, which the menu page and "order my usual" read far more often than
 * customers change them. Every change through this server replaces the cached list; Valkey
 * being down only means reading from the customer service.
 */
export class FavoritesCache {
  readonly #valkey: Valkey;
  readonly #customers: customerV1.CustomerServiceClient;
  readonly #timeoutMs: number;

  constructor(valkey: Valkey, customers: customerV1.CustomerServiceClient, timeoutMs: number) {
    this.#valkey = valkey;
    this.#customers = customers;
    this.#timeoutMs = timeoutMs;
  }

  async list(customerId: string, log: FastifyBaseLogger): Promise<customerV1.Favorite[]> {
    const cached = await this.#valkey.get(this.#key(customerId)).catch((error: unknown) => {
      log.debug({ err: error }, 'favorites cache read failed');
      countCacheLookup('favorites', 'error');
      return null;
    });
    if (cached !== null) {
      countCacheLookup('favorites', 'hit');
      return (JSON.parse(cached) as (customerV1.Favorite & { savedAt?: string })[]).map(
        (favorite) => ({
          ...favorite,
          savedAt: favorite.savedAt === undefined ? undefined : new Date(favorite.savedAt),
        }),
      );
    }
    countCacheLookup('favorites', 'miss');
    const { favorites } = await callPeer(
      'customer',
      this.#customers,
      'listFavorites',
      { customerId },
      this.#timeoutMs,
    );
    await this.store(customerId, favorites, log);
    return favorites;
  }

  async store(
    customerId: string,
    favorites: customerV1.Favorite[],
    log: FastifyBaseLogger,
  ): Promise<void> {
    await this.#valkey
      .set(this.#key(customerId), JSON.stringify(favorites), 'EX', TTL_SECONDS)
      .catch((error: unknown) => {
        log.debug({ err: error }, 'favorites cache write failed');
      });
  }

  #key(customerId: string): string {
    return `favorites:v1:${customerId}`;
  }
}
