import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '@everything/logger';
import { withTransaction } from '@everything/postgres';
import { ValidationError, type Role } from '../customers/customer.ts';
import { UnknownCustomerError } from '../tab/tab.ts';

/** The session is over (or never was): the caller must sign in again. */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError';
}

export interface IssuedSession {
  id: string;
  /** The secret the client keeps; it is stored only as a hash. */
  refreshToken: string;
  expiresAt: Date;
}

/** The longest session a caller may ask for. */
export const MAX_SESSION_SECONDS = 90 * 24 * 60 * 60;

const FOREIGN_KEY_VIOLATION = '23503';

const newToken = () => randomBytes(32).toString('base64url');
const hashOf = (token: string) => createHash('sha256').update(token).digest();

/**
 * Sign-in sessions as refresh-token families, kept in customer_db. Rotation: a token is spent
 * when exchanged, and presenting a spent token again ends its family, since only a copy of it
 * can be presented twice (RFC 9700, section 4.14.2). The family's expiry is fixed when it
 * starts, so refreshing can never keep a session alive for ever.
 */
export class Sessions {
  readonly #pool: pg.Pool;
  readonly #logger: Logger;

  constructor(pool: pg.Pool, logger: Logger) {
    this.#pool = pool;
    this.#logger = logger;
  }

  async start(customerId: string, ttlSeconds: number): Promise<IssuedSession> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_SESSION_SECONDS)
      throw new ValidationError(
        'ttlSeconds',
        `must be a whole number from 1 to ${MAX_SESSION_SECONDS}`,
      );
    return withTransaction(this.#pool, async (client) => {
      // Sessions past their expiry are of no use, even for reuse detection: tidy them here.
      await client.query('DELETE FROM sessions WHERE customer_id = $1 AND expires_at < now()', [
        customerId,
      ]);
      const { rows } = await client
        .query<{ id: string; expires_at: Date }>(
          `INSERT INTO sessions (customer_id, expires_at) VALUES ($1, now() + make_interval(secs => $2))
           RETURNING id, expires_at`,
          [customerId, ttlSeconds],
        )
        .catch((error: unknown) => {
          throw (error as { code?: string }).code === FOREIGN_KEY_VIOLATION
            ? new UnknownCustomerError(`no customer has id ${customerId}`)
            : error;
        });
      const session = rows[0];
      if (!session) throw new Error('the session was not stored');
      const refreshToken = newToken();
      await client.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [
        hashOf(refreshToken),
        session.id,
      ]);
      return { id: session.id, refreshToken, expiresAt: session.expires_at };
    });
  }

  /** Spends the token and issues the next of its family; the customer's id comes with it. */
  async refresh(refreshToken: string): Promise<{ customerId: string; session: IssuedSession }> {
    const outcome = await withTransaction(this.#pool, async (client) => {
      // The token's row lock orders two refreshes with one token: the second sees it spent.
      const { rows } = await client.query<{
        session_id: string;
        customer_id: string;
        expires_at: Date;
        live: boolean;
        ended: boolean;
        spent: boolean;
      }>(
        `SELECT t.session_id, s.customer_id, s.expires_at, s.expires_at > now() AS live,
                s.ended_at IS NOT NULL AS ended, t.spent_at IS NOT NULL AS spent
           FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
          WHERE t.token_hash = $1
            FOR UPDATE OF t, s`,
        [hashOf(refreshToken)],
      );
      const found = rows[0];
      if (!found || found.ended || !found.live) return { ended: true } as const;
      if (found.spent) {
        await client.query(
          "UPDATE sessions SET ended_at = now(), end_reason = 'refresh token reused' WHERE id = $1",
          [found.session_id],
        );
        return { reused: { sessionId: found.session_id, customerId: found.customer_id } };
      }
      await client.query('UPDATE refresh_tokens SET spent_at = now() WHERE token_hash = $1', [
        hashOf(refreshToken),
      ]);
      const next = newToken();
      await client.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [
        hashOf(next),
        found.session_id,
      ]);
      return {
        customerId: found.customer_id,
        session: { id: found.session_id, refreshToken: next, expiresAt: found.expires_at },
      };
    });
    // The family's end is committed before the caller hears of it.
    if ('reused' in outcome) {
      // Someone holds a copy of the customer's token: worth an operator's look.
      this.#logger.warn(
        outcome.reused,
        'a spent refresh token was presented again; its session ended',
      );
      throw new SessionEndedError('the refresh token was already used; its session has ended');
    }
    if ('ended' in outcome)
      throw new SessionEndedError('the refresh token is unknown, expired or its session ended');
    return outcome;
  }

  /** Signing out: ends the token's session. An unknown or ended token changes nothing. */
  async end(refreshToken: string): Promise<void> {
    await this.#pool.query(
      `UPDATE sessions SET ended_at = now(), end_reason = 'signed out'
        WHERE id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1) AND ended_at IS NULL`,
      [hashOf(refreshToken)],
    );
  }

  /** Signs the customer out everywhere; returns how many live sessions ended. */
  async endAll(customerId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ ended: number }>(
      `WITH ended AS (
         UPDATE sessions SET ended_at = now(), end_reason = 'signed out everywhere'
          WHERE customer_id = $1 AND ended_at IS NULL AND expires_at > now() RETURNING 1)
       SELECT (SELECT count(*) FROM ended)::int AS ended FROM customers WHERE id = $1`,
      [customerId],
    );
    if (!rows[0]) throw new UnknownCustomerError(`no customer has id ${customerId}`);
    return rows[0].ended;
  }

  /** The customer's role now, while the session is live. */
  async roleOf(customerId: string, sessionId: string): Promise<Role> {
    const { rows } = await this.#pool.query<{ role: Role }>(
      `SELECT c.role FROM sessions s JOIN customers c ON c.id = s.customer_id
        WHERE s.id = $2 AND s.customer_id = $1 AND s.ended_at IS NULL AND s.expires_at > now()`,
      [customerId, sessionId],
    );
    if (!rows[0]) throw new SessionEndedError('the session has ended or expired');
    return rows[0].role;
  }
}
