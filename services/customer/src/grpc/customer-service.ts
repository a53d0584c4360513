import { customerV1 } from '@everything/contracts';
import { GrpcError, Status, guardedHandlers, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { Accounts, InvalidCredentialsError } from '../customers/accounts.ts';
import {
  requireId,
  roles,
  ValidationError,
  type Customer,
  type CustomerProfile,
  type Role,
} from '../customers/customer.ts';
import { EmailTakenError, type CustomerRepository } from '../customers/customer-repository.ts';
import type pg from 'pg';
import { TooManyFavoritesError, type Favorite, type Favorites } from '../favorites/favorites.ts';
import { NotEnoughPointsError, redeemPoints, restorePoints } from '../loyalty/loyalty.ts';
import { SessionEndedError, type IssuedSession, type Sessions } from '../sessions/sessions.ts';
import { OrderSettledError, TabLimitError, UnknownCustomerError, type Tab } from '../tab/tab.ts';

const { Role: WireRole } = customerV1;
const toWireRole = {
  customer: WireRole.ROLE_CUSTOMER,
  barista: WireRole.ROLE_BARISTA,
  admin: WireRole.ROLE_ADMIN,
} as const satisfies Record<Role, customerV1.Role>;

function fromWireRole(role: customerV1.Role): Role {
  const found = roles.find((name) => toWireRole[name] === role);
  if (!found)
    throw new GrpcError(Status.INVALID_ARGUMENT, 'role: must be customer, barista or admin');
  return found;
}

/** Domain errors to the status codes the contract promises; everything else is the caller's default. */
export function classifyDomainError(error: unknown): GrpcError | undefined {
  if (error instanceof ValidationError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message);
  if (error instanceof EmailTakenError) return new GrpcError(Status.ALREADY_EXISTS, error.message);
  if (error instanceof InvalidCredentialsError)
    return new GrpcError(Status.UNAUTHENTICATED, error.message);
  if (error instanceof TabLimitError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  if (error instanceof NotEnoughPointsError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  if (error instanceof OrderSettledError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  if (error instanceof UnknownCustomerError) return new GrpcError(Status.NOT_FOUND, error.message);
  if (error instanceof SessionEndedError)
    return new GrpcError(Status.UNAUTHENTICATED, error.message);
  if (error instanceof TooManyFavoritesError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  return undefined;
}

const sessionToWire = (session: IssuedSession): customerV1.Session => ({ ...session });

/** A refresh token is opaque to everyone but the service: only its length is checked here. */
function requireToken(token: string): string {
  if (token.length === 0 || token.length > 512)
    throw new ValidationError('refreshToken', 'must be 1 to 512 characters');
  return token;
}

function toWire(customer: Customer | CustomerProfile): customerV1.Customer {
  const profile = 'stats' in customer ? customer : undefined;
  return {
    id: customer.id,
    email: customer.email,
    displayName: customer.displayName,
    createdAt: customer.createdAt,
    role: toWireRole[customer.role],
    tabBalanceCents: profile?.tabBalanceCents ?? 0,
    loyaltyPoints: profile?.loyaltyPoints ?? 0,
    stats: profile && {
      ordersCompleted: profile.stats.ordersCompleted,
      totalSpentCents: profile.stats.totalSpentCents,
      favoriteMenuItemId: profile.stats.favoriteMenuItemId ?? '',
      lastOrderAt: profile.stats.lastOrderAt,
    },
  };
}

export function customerService(
  deps: {
    pool: pg.Pool;
    customers: CustomerRepository;
    accounts: Accounts;
    tab: Tab;
    favorites: Favorites;
    sessions: Sessions;
  },
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): customerV1.CustomerServiceServer {
  const { pool, customers, accounts, tab, favorites, sessions } = deps;
  const favoritesJson = (list: Favorite[]) => ({
    favorites: list.map((favorite) => ({ ...favorite })),
  });
  const handle = guardedHandlers(logger, guard, [classifyDomainError, classify]);

  const profileOf = async (id: string) => {
    const profile = await customers.findProfile(requireId('id', id));
    if (!profile) throw new GrpcError(Status.NOT_FOUND, `no customer has id ${id}`);
    return toWire(profile);
  };

  return {
    registerCustomer: handle(async (request: customerV1.RegisterCustomerRequest) => ({
      customer: toWire(await accounts.register(request)),
    })),
    verifyCredentials: handle(async (request: customerV1.VerifyCredentialsRequest) => ({
      customer: await profileOf((await accounts.verify(request.email, request.password)).id),
    })),
    ensureAdmin: handle(async (request: customerV1.EnsureAdminRequest) => ({
      customer: toWire(await accounts.ensureAdmin(request.email, request.password)),
    })),
    getCustomer: handle(async (request: customerV1.GetCustomerRequest) => ({
      customer: await profileOf(request.id),
    })),
    setRole: handle(async (request: customerV1.SetRoleRequest) => {
      const updated = await customers.setRole(
        requireId('id', request.id),
        fromWireRole(request.role),
      );
      if (!updated) throw new GrpcError(Status.NOT_FOUND, `no customer has id ${request.id}`);
      return { customer: await profileOf(updated.id) };
    }),
    chargeTab: handle(async (request: customerV1.ChargeTabRequest) => {
      if (request.amountCents <= 0) throw new ValidationError('amountCents', 'must be positive');
      const result = await tab.charge(
        requireId('customerId', request.customerId),
        requireId('orderId', request.orderId),
        request.amountCents,
      );
      return { tabBalanceCents: result.balanceCents, applied: result.applied };
    }),
    checkTabCharge: handle(async (request: customerV1.CheckTabChargeRequest) => {
      if (request.amountCents < 0) throw new ValidationError('amountCents', 'must not be negative');
      const result = await tab.check(
        requireId('customerId', request.customerId),
        request.amountCents,
      );
      return {
        allowed: result.allowed,
        reason: result.reason,
        tabBalanceCents: result.balanceCents,
      };
    }),
    redeemPoints: handle(async (request: customerV1.RedeemPointsRequest) => {
      if (request.points <= 0) throw new ValidationError('points', 'must be positive');
      return redeemPoints(
        pool,
        requireId('customerId', request.customerId),
        requireId('orderId', request.orderId),
        request.points,
      );
    }),
    restorePoints: handle(async (request: customerV1.RestorePointsRequest) =>
      restorePoints(
        pool,
        requireId('customerId', request.customerId),
        requireId('orderId', request.orderId),
      ),
    ),
    setFavorite: handle(async (request: customerV1.SetFavoriteRequest) => {
      if (!request.favorite) throw new ValidationError('favorite', 'is required');
      return favoritesJson(
        await favorites.save(requireId('customerId', request.customerId), {
          menuItemId: request.favorite.menuItemId,
          optionIds: request.favorite.optionIds,
          quantity: request.favorite.quantity || 1,
        }),
      );
    }),
    removeFavorite: handle(async (request: customerV1.RemoveFavoriteRequest) =>
      favoritesJson(
        await favorites.remove(requireId('customerId', request.customerId), request.menuItemId),
      ),
    ),
    listFavorites: handle(async (request: customerV1.ListFavoritesRequest) =>
      favoritesJson(await favorites.list(requireId('customerId', request.customerId))),
    ),
    startSession: handle(async (request: customerV1.StartSessionRequest) => ({
      session: sessionToWire(
        await sessions.start(requireId('customerId', request.customerId), request.ttlSeconds),
      ),
    })),
    refreshSession: handle(async (request: customerV1.RefreshSessionRequest) => {
      const { customerId, session } = await sessions.refresh(requireToken(request.refreshToken));
      const profile = await customers.findProfile(customerId);
      if (!profile) throw new SessionEndedError('the account no longer exists');
      return { customer: toWire(profile), session: sessionToWire(session) };
    }),
    endSession: handle(async (request: customerV1.EndSessionRequest) => {
      await sessions.end(requireToken(request.refreshToken));
      return {};
    }),
    endAllSessions: handle(async (request: customerV1.EndAllSessionsRequest) => ({
      ended: await sessions.endAll(requireId('customerId', request.customerId)),
    })),
    checkSession: handle(async (request: customerV1.CheckSessionRequest) => ({
      role: toWireRole[
        await sessions.roleOf(
          requireId('customerId', request.customerId),
          requireId('sessionId', request.sessionId),
        )
      ],
    })),
    refundTab: handle(async (request: customerV1.RefundTabRequest) => {
      const result = await tab.refund(
        requireId('customerId', request.customerId),
        requireId('orderId', request.orderId),
      );
      return { tabBalanceCents: result.balanceCents, applied: result.applied };
    }),
  };
}
