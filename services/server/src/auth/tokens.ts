import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import type { Valkey } from '@everything/valkey';
import { Problem, problems } from '../problem.ts';

export type Role = 'customer' | 'barista' | 'admin';

export interface Principal {
  sub: string;
  /** The role when the token was issued: good for showing, not for deciding privileged actions. */
  role: Role;
  name: string;
  /** The session (refresh-token family) the access token was issued in. */
  sid?: string;
}

interface TokenClaims extends Principal {
  /**
   * `refresh`: a refresh token from before sessions were kept by the customer service. Those
   * still verify until they expire, so they must keep failing wherever access is expected.
   */
  typ: 'access' | 'display' | 'refresh';
  /** Display keys only: the generation they were issued in; revoking starts a new one. */
  gen?: string | number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

export interface TokenSettings {
  secret: string;
  accessTtlSeconds: number;
  /** A session's whole life: refreshing rotates its token but never extends it. */
  refreshTtlSeconds: number;
}

/** A session the customer service started or rotated: its id and its next refresh token. */
export interface IssuedSession {
  id: string;
  refreshToken: string;
}

/**
 * The caller's role as the customer service holds it now, while the session is live; a 401
 * problem when the session has ended. Asked before every privileged decision.
 */
export type SessionRole = (principal: Principal) => Promise<Role>;

/** What every role may do, as a ladder: an admin can do what a barista can, a barista what a customer can. */
const rank: Record<Role, number> = { customer: 0, barista: 1, admin: 2 };

/**
 * Short-lived access tokens (JWT) carrying the role and the session, beside the session's opaque
 * refresh token, which the customer service rotates. The role in the token only shows the
 * client what it may do: privileged actions ask the customer service for the role now.
 */
export async function registerTokens(app: FastifyInstance, settings: TokenSettings): Promise<void> {
  await app.register(fastifyJwt, {
    secret: settings.secret,
    sign: { algorithm: 'HS256' },
    verify: { algorithms: ['HS256'] },
  });

  app.decorate('issueTokens', (principal: Principal, session: IssuedSession) => ({
    accessToken: app.jwt.sign(
      { ...principal, sid: session.id, typ: 'access' },
      { expiresIn: settings.accessTtlSeconds },
    ),
    refreshToken: session.refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn: settings.accessTtlSeconds,
  }));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `signedIn` hook on routes that need a caller. */
    principal?: Principal;
    /** Set by the `signedIn` hook: the caller's role now, asked once per request. */
    currentRole?: () => Promise<Role>;
  }
  interface FastifyInstance {
    issueTokens(
      principal: Principal,
      session: IssuedSession,
    ): {
      accessToken: string;
      refreshToken: string;
      tokenType: 'Bearer';
      expiresIn: number;
    };
  }
}

/** A token's principal, if it is the kind expected: a display key never passes as access. */
function tokenPrincipal(claims: TokenClaims, expected: TokenClaims['typ']): Principal {
  if (claims.typ !== expected) throw new Error(`not an ${expected} token`);
  return { sub: claims.sub, role: claims.role, name: claims.name, sid: claims.sid };
}

/** The caller of an authenticated route, or a 401 problem. */
export async function authenticate(request: FastifyRequest): Promise<Principal> {
  if (!request.headers.authorization) {
    throw new Problem(
      401,
      'unauthenticated',
      'Unauthenticated',
      'Send an access token: Authorization: Bearer <token>.',
      {
        headers: { 'www-authenticate': 'Bearer' },
      },
    );
  }
  try {
    return tokenPrincipal(await request.jwtVerify<TokenClaims>(), 'access');
  } catch {
    throw new Problem(
      401,
      'unauthenticated',
      'Unauthenticated',
      'The access token is invalid or has expired.',
      {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      },
    );
  }
}

/**
 * Valkey key of the display keys' generation: keys of any other generation are revoked. A
 * generation is a random token, never a counter, and a missing one admits no key: if Valkey
 * loses it (a replaced pod without its volume), revoked keys stay revoked, and so do the rest,
 * until an admin makes a new key, which starts a new generation. Failing closed costs a TV a
 * new key; failing open would bring every revoked key back.
 */
const DISPLAY_GENERATION_KEY = 'display-keys:generation';

/** How long a display key works: a TV set up once should keep working for a year. */
export const DISPLAY_KEY_TTL_SECONDS = 365 * 24 * 60 * 60;

/**
 * A display key: a token that shows the pickup display and nothing else, for a kitchen TV that
 * nobody signs in on. It is never accepted where an access token is expected.
 */
export async function issueDisplayKey(
  app: FastifyInstance,
  valkey: Valkey,
): Promise<{ key: string; expiresAt: string }> {
  await valkey.set(DISPLAY_GENERATION_KEY, randomUUID(), 'NX');
  const generation = await valkey.get(DISPLAY_GENERATION_KEY);
  if (generation === null) throw new Error('the display key generation vanished');
  const key = app.jwt.sign(
    {
      sub: `display:${randomUUID()}`,
      role: 'customer',
      name: 'Pickup display',
      typ: 'display',
      gen: generation,
    },
    { expiresIn: DISPLAY_KEY_TTL_SECONDS },
  );
  return { key, expiresAt: new Date(Date.now() + DISPLAY_KEY_TTL_SECONDS * 1000).toISOString() };
}

/** Every display key issued so far stops working. */
export async function revokeDisplayKeys(valkey: Valkey): Promise<void> {
  await valkey.set(DISPLAY_GENERATION_KEY, randomUUID());
}

/**
 * onRequest hook for the pickup display: a display key of the current generation, or the
 * access token of a barista or an admin.
 */
export function pickupViewer(valkey: Valkey, sessionRole: SessionRole) {
  return async (request: FastifyRequest): Promise<void> => {
    const unauthenticated = new Problem(
      401,
      'unauthenticated',
      'Unauthenticated',
      'Send a display key or a barista’s access token: Authorization: Bearer <token>.',
      { headers: { 'www-authenticate': 'Bearer' } },
    );
    if (!request.headers.authorization) throw unauthenticated;
    let claims: TokenClaims;
    try {
      claims = await request.jwtVerify<TokenClaims>();
    } catch {
      throw unauthenticated;
    }
    if (claims.typ === 'display') {
      const current = await valkey.get(DISPLAY_GENERATION_KEY).catch(() => {
        throw problems.serviceUnavailable('Display keys cannot be checked right now.');
      });
      // Keys made before generations were tokens carry a number; the stored counter is its text.
      if (current === null || String(claims.gen) !== current) {
        throw new Problem(
          401,
          'unauthenticated',
          'Unauthenticated',
          'This display key was revoked; an admin can make a new one.',
        );
      }
      return;
    }
    if (claims.typ !== 'access') throw unauthenticated;
    const role = await sessionRole(tokenPrincipal(claims, 'access'));
    if (rank[role] < rank.barista)
      throw new Problem(
        403,
        'forbidden',
        'Forbidden',
        'The pickup display needs a display key or the barista role.',
      );
  };
}

/**
 * onRequest hook for routes that need a signed-in caller: runs before body validation, so a
 * request without a valid token is a 401 whatever its body.
 */
export function signedIn(sessionRole: SessionRole) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticate(request);
    request.principal = principal;
    let role: Promise<Role> | undefined;
    request.currentRole = () => (role ??= sessionRole(principal));
  };
}

/**
 * Whether the caller holds `least` now. Above customer the role is asked of the customer
 * service, not read from the token, so a demotion or an ended session takes effect at once.
 */
export async function holdsRole(request: FastifyRequest, least: Role): Promise<boolean> {
  if (least === 'customer') return true;
  if (!request.currentRole) throw new Error('route is missing the signedIn hook');
  return rank[await request.currentRole()] >= rank[least];
}

/** The caller a `signedIn` route was authenticated as. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is missing the signedIn hook');
  return request.principal;
}
