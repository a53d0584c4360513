import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { customerV1, menuV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { holdsRole, principalOf } from '../auth/tokens.ts';
import { OPTIONAL_BODY } from '../openapi-document.ts';
import { Problem } from '../problem.ts';
import { Customer, Problem as ProblemSchema, Role, Uuid } from '../schemas.ts';
import type { FavoritesCache } from '../favorites-cache.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import { customerJson, wireRole } from '../upstream/convert.ts';

export function customerRoutes(
  app: FastifyInstance,
  deps: {
    customers: customerV1.CustomerServiceClient;
    menu: menuV1.MenuServiceClient;
    favoritesCache: FavoritesCache;
    timeoutMs: number;
  },
) {
  const { customers, menu, favoritesCache, timeoutMs } = deps;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = {
    400: ProblemSchema,
    401: ProblemSchema,
    403: ProblemSchema,
    404: ProblemSchema,
    429: ProblemSchema,
    503: ProblemSchema,
  };
  const notOrderable = (field: string, message: string) =>
    new Problem(422, 'not-on-the-menu', 'Not on the menu', `${field}: ${message}`, {
      extensions: { errors: [{ field, message }] },
    });

  /**
   * A favorite must be orderable from the menu as it is now: the item exists, and each option
   * is one of its options, within each group's maximum. The menu is the order service's.
   */
  const checkAgainstMenu = async (menuItemId: string, optionIds: string[]) => {
    const { items } = await callPeer('order', menu, 'listMenuItems', {}, timeoutMs);
    const item = items.find((candidate) => candidate.id === menuItemId.toLowerCase());
    if (!item) {
      throw new Problem(404, 'not-found', 'Not found', `no menu item has id ${menuItemId}`, {
        extensions: { errors: [{ field: 'menuItemId', message: 'is not on the menu' }] },
      });
    }
    const groupOf = new Map(
      item.optionGroups.flatMap((group) => group.options.map((option) => [option.id, group])),
    );
    for (const [index, id] of optionIds.entries()) {
      if (!groupOf.has(id.toLowerCase()))
        throw notOrderable(`options[${index}]`, `is not an option of ${item.name}`);
    }
    for (const group of item.optionGroups) {
      const chosen = optionIds.filter((id) => groupOf.get(id.toLowerCase()) === group).length;
      if (chosen > group.maxChoices)
        throw notOrderable('options', `choose at most ${group.maxChoices} of ${group.name}`);
    }
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
          options: Type.Optional(
            Type.Array(Uuid, {
              maxItems: 20,
              uniqueItems: true,
              description: 'Option ids of the item; groups left out take their default.',
            }),
          ),
          quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
        }),
        [OPTIONAL_BODY]: true,
        response: { 200: Favorites, 409: ProblemSchema, 422: ProblemSchema, ...errors },
      },
      // The body is optional: a favorite without options takes the defaults.
      preValidation: (request, _reply, done) => {
        const sent = request as { body: unknown };
        if (sent.body === undefined) sent.body = {};
        done();
      },
    },
    async (request) => {
      const optionIds = request.body.options ?? [];
      await checkAgainstMenu(request.params.menuItemId, optionIds);
      const { favorites } = await callPeer(
        'customer',
        customers,
        'setFavorite',
        {
          customerId: principalOf(request).sub,
          favorite: {
            menuItemId: request.params.menuItemId,
            optionIds,
            quantity: request.body.quantity ?? 1,
            savedAt: undefined,
          },
        },
        timeoutMs,
        (error) =>
          error.code === Status.FAILED_PRECONDITION
            ? new Problem(409, 'too-many-favorites', 'Too many favorites', error.details)
            : undefined,
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
