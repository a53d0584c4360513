import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from '@everything/logger';
import type { Valkey } from '@everything/valkey';

/**
 * How old the menu a replica serves may be. Every phone reads the menu every 10 s and it changes
 * a few times a day, so each replica keeps the serialized answer and asks the order service
 * again at most this long after it last asked. That bound alone keeps every replica within a
 * second of the menu however it changed (through any replica, or in the order service by
 * another path) and whether or not Valkey is up; the pub/sub message below only makes a change
 * through this API visible at once.
 */
export const MENU_MAX_AGE_MS = 1_000;

export interface MenuAnswer {
  /** The JSON body, exactly as the route's serializer writes it. */
  body: Buffer;
  /** A strong validator of the body: equal bodies have equal tags on every replica. */
  etag: string;
}

interface Held extends MenuAnswer {
  /** When the request that brought it was sent: the menu is at least this fresh. */
  askedAt: number;
}

/**
 * The menu's serialized answer, held in this process and fetched again at most `maxAgeMs`
 * apart, by the loader of the request that finds it too old.
 */
export class MenuCopy {
  readonly #maxAgeMs: number;
  #held: Held | undefined;
  #refreshing: Promise<Held> | undefined;
  /** Moves on at each invalidation, so a fetch that began before a change is never kept. */
  #generation = 0;

  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs;
  }

  /** The menu, no older than `maxAgeMs`; a failed fetch is thrown, never hidden by an old copy. */
  async get(load: () => Promise<Buffer>, log: FastifyBaseLogger): Promise<MenuAnswer> {
    const held = this.#held;
    const age = held ? performance.now() - held.askedAt : Infinity;
    if (held && age < this.#maxAgeMs) {
      // Refreshed ahead, in the background, so that under steady traffic no request waits.
      if (age >= this.#maxAgeMs / 2 && !this.#refreshing)
        this.#refresh(load).catch((error: unknown) => {
          log.debug({ err: error }, 'menu refresh ahead failed');
        });
      return held;
    }
    return this.#refresh(load);
  }

  /** Forgets the copy: the next request asks the order service. */
  invalidate(): void {
    this.#generation += 1;
    this.#held = undefined;
    this.#refreshing = undefined;
  }

  /** One fetch at a time: concurrent requests that need a fresh menu share it. */
  #refresh(load: () => Promise<Buffer>): Promise<Held> {
    if (this.#refreshing) return this.#refreshing;
    const generation = this.#generation;
    const askedAt = performance.now();
    const refreshing = load().then(
      (body) => {
        const held = { body, etag: etagOf(body), askedAt };
        if (generation === this.#generation) {
          this.#held = held;
          this.#refreshing = undefined;
        }
        return held;
      },
      (error: unknown) => {
        if (generation === this.#generation) this.#refreshing = undefined;
        throw error;
      },
    );
    this.#refreshing = refreshing;
    return refreshing;
  }
}

const etagOf = (body: Buffer) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/**
 * RFC 9110's If-None-Match: true when any listed tag matches (weak comparison, so a tag a proxy
 * marked weak still matches) or the list is "*".
 */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((listed) => {
    const tag = listed.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/**
 * Tells every replica that the menu changed, over Valkey pub/sub on a channel under the key
 * prefix (channels are not prefixed by the client, and environments share a Valkey). Returns
 * the function that announces a change and the one that stops listening.
 */
export function menuChangeChannel(
  valkey: Valkey,
  onChange: () => void,
  logger: Logger,
): { announce: () => Promise<void>; close: () => Promise<void> } {
  const channel = `${valkey.options.keyPrefix ?? ''}menu-changed`;
  const subscriber = valkey.duplicate();
  // The command client already reports Valkey being unreachable; the copy's age bound covers
  // the messages missed meanwhile.
  subscriber.on('error', (error: unknown) => {
    logger.debug({ err: error }, 'menu change subscription unreachable');
  });
  // Subscribed on every (re)connection: commands fail rather than queue while disconnected.
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).catch((error: unknown) => {
      logger.debug({ err: error }, 'menu change subscription failed');
    });
  });
  subscriber.on('message', (received: string) => {
    if (received === channel) onChange();
  });
  return {
    announce: async () => {
      onChange();
      await valkey.publish(channel, '').catch((error: unknown) => {
        logger.warn(
          { err: error },
          'menu change not announced; other replicas follow within a second',
        );
      });
    },
    close: async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
