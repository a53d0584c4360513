import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { customerV1 } from '@everything/contracts';
import { holdsRole, principalOf } from '../auth/tokens.ts';
import { Problem } from '../problem.ts';
import { Customer, Problem as ProblemSchema, Role, Uuid } from '../schemas.ts';
import type { FavoritesCache } from '../favorites-cache.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import { customerJson, wireRole } from '../upstream/convert.ts';

export function customerRoutes(
  app: FastifyInstance,
  customers: customerV1.CustomerServiceClient,
  favoritesCache: FavoritesCache,
  timeoutMs: number,
) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = {
    400: ProblemSchema,
    401: ProblemSchema,
    403: ProblemSchema,
    404: ProblemSchema,
    429: ProblemSchema,
    503: ProblemSchema,
  };

  const requireAdmin = async (request: FastifyRequest) => {
    if (!(await holdsRole(request, 'admin')))
      throw new Problem(403, 'forbidden', 'Forbidden', 'This needs the admin role.');
  };
  const endAllSessions = async (customerId: string) => {
    await callPeer('customer', customers, 'endAllSessions', { customerId }, timeoutMs);
  };

  typed.delete(
    '/v1/customers/me/sessions',
    {
      schema: {
        tags: ['customers'],
        summary:
          'Sign out everywhere: every refresh token of every session of yours stops working; access tokens lapse within their lifetime',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await endAllSessions(principalOf(request).sub);
      return reply.code(204).send(null);
    },
  );

  typed.delete(
    '/v1/customers/:id/sessions',
    {
      schema: {
        tags: ['customers'],
        summary: "Sign a customer out everywhere, such as a lost phone's (admin)",
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await requireAdmin(request);
      await endAllSessions(request.params.id);
      return reply.code(204).send(null);
    },
  );

  typed.get(
    '/v1/customers/me',
    {
      schema: {
        tags: ['customers'],
        summary: 'Your profile, tab balance, loyalty points and stats',
        response: { 200: Customer, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return customerJson(
        (await callPeer('customer', customers, 'getCustomer', { id: principal.sub }, timeoutMs))
          .customer,
      );
    },
  );

  typed.put(
    '/v1/customers/:id/role',
    {
      schema: {
        tags: ['customers'],
        summary: 'Grant or withdraw the barista or admin role (admin)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ role: Role }),
        response: { 200: Customer, ...errors },
      },
    },
    async (request) => {
      await requireAdmin(request);
      const { customer } = await callPeer(
        'customer',
        customers,
        'setRole',
        { id: request.params.id, role: wireRole(request.body.role) },
        timeoutMs,
      );
      return customerJson(customer);
    },
  );

  const Favorite = Type.Object({
    menuItemId: Uuid,
    options: Type.Array(Type.String()),
    quantity: Type.Integer({ minimum: 1, maximum: 20 }),
    savedAt: Type.String({ format: 'date-time' }),
  });
  const Favorites = Type.Object({
    favorites: Type.Array(Favorite, { description: 'The usual first.' }),
  });
  const favoritesJson = (favorites: customerV1.Favorite[]) => ({
    favorites: favorites.map((favorite) => ({
      menuItemId: favorite.menuItemId,
      options: favorite.optionIds,
      quantity: favorite.quantity,
      savedAt: (favorite.savedAt ?? new Date(0)).toISOString(),
    })),
  });

  typed.get(
    '/v1/customers/me/favorites',
    {
      schema: {
        tags: ['customers'],
        summary: 'Your favorite drinks, the usual first',
        response: { 200: Favorites, ...errors },
      },
    },
    async (request) =>
      favoritesJson(await favoritesCache.list(principalOf(request).sub, request.log)),
  );

  typed.put(
    '/v1/customers/me/favorites/:menuItemId',
    {
      schema: {
        tags: ['customers'],
        summary: 'Save a favorite drink with its options; the latest saved is your usual',
        params: Type.Object({ menuItemId: Uuid }),
        body: Type.Object({
          options: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
          quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
        }),
        response: { 200: Favorites, ...errors },
      },
      // The body is optional: a favorite without options takes the defaults.
      preValidation: (request, _reply, done) => {
        (request as { body: unknown }).body ??= {};
        done();
      },
    },
    async (request) => {
      const { favorites } = await callPeer(
        'customer',
        customers,
        'setFavorite',
        {
          customerId: principalOf(request).sub,
          favorite: {
            menuItemId: request.params.menuItemId,
            optionIds: request.body.options ?? [],
            quantity: request.body.quantity ?? 1,
            savedAt: undefined,
          },
        },
        timeoutMs,
      );
      await favoritesCache.store(principalOf(request).sub, favorites, request.log);
      return favoritesJson(favorites);
    },
  );

  typed.delete(
    '/v1/customers/me/favorites/:menuItemId',
    {
      schema: {
        tags: ['customers'],
        summary: 'Remove a favorite drink',
        params: Type.Object({ menuItemId: Uuid }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { favorites } = await callPeer(
        'customer',
        customers,
        'removeFavorite',
        { customerId: principalOf(request).sub, menuItemId: request.params.menuItemId },
        timeoutMs,
      );
      await favoritesCache.store(principalOf(request).sub, favorites, request.log);
      return reply.code(204).send(null);
    },
  );
}
