import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import { Problem } from '../problem.ts';

export type Role = 'customer' | 'barista' | 'admin';

export interface Principal {
  sub: string;
  role: Role;
  name: string;
}

interface TokenClaims extends Principal {
  typ: 'access' | 'refresh';
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
  refreshTtlSeconds: number;
}

/** What every role may do, as a ladder: an admin can do what a barista can, a barista what a customer can. */
const rank: Record<Role, number> = { customer: 0, barista: 1, admin: 2 };

export function hasRole(principal: Principal, least: Role): boolean {
  return rank[principal.role] >= rank[least];
}

/**
 * Short-lived access tokens carrying the role, and longer refresh tokens that can only be
 * exchanged for new tokens. A changed role reaches the client at its next refresh.
 */
export async function registerTokens(app: FastifyInstance, settings: TokenSettings): Promise<void> {
  await app.register(fastifyJwt, {
    secret: settings.secret,
    sign: { algorithm: 'HS256' },
    verify: { algorithms: ['HS256'] },
  });

  app.decorate('issueTokens', (principal: Principal) => ({
    accessToken: app.jwt.sign(
      { ...principal, typ: 'access' },
      { expiresIn: settings.accessTtlSeconds },
    ),
    refreshToken: app.jwt.sign(
      { ...principal, typ: 'refresh' },
      { expiresIn: settings.refreshTtlSeconds },
    ),
    tokenType: 'Bearer' as const,
    expiresIn: settings.accessTtlSeconds,
  }));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `signedIn` hook on routes that need a caller. */
    principal?: Principal;
  }
  interface FastifyInstance {
    issueTokens(principal: Principal): {
      accessToken: string;
      refreshToken: string;
      tokenType: 'Bearer';
      expiresIn: number;
    };
  }
}

/** A token's principal, if it is the kind expected: a refresh token never passes as access. */
function tokenPrincipal(claims: TokenClaims, expected: TokenClaims['typ']): Principal {
  if (claims.typ !== expected) throw new Error(`not an ${expected} token`);
  return { sub: claims.sub, role: claims.role, name: claims.name };
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

/** The claims of a refresh token, or a 401 problem. */
export function verifyRefreshToken(app: FastifyInstance, token: string): Principal {
  try {
    return tokenPrincipal(app.jwt.verify<TokenClaims>(token), 'refresh');
  } catch {
    throw new Problem(
      401,
      'unauthenticated',
      'Unauthenticated',
      'The refresh token is invalid or has expired.',
    );
  }
}

/**
 * onRequest hook for routes that need a signed-in caller: runs before body validation, so a
 * request without a valid token is a 401 whatever its body.
 */
export async function signedIn(request: FastifyRequest): Promise<void> {
  request.principal = await authenticate(request);
}

/** The caller a `signedIn` route was authenticated as. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is missing the signedIn hook');
  return request.principal;
}
