import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { menuV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { holdsRole } from '../auth/tokens.ts';
import { Problem } from '../problem.ts';
import { MenuItem, NonBlankText, Problem as ProblemSchema, Text, Uuid } from '../schemas.ts';
import { callPeer, fieldError, type Refusal } from '../upstream/grpc-call.ts';

const Fields = {
  name: NonBlankText({ minLength: 1, maxLength: 80 }),
  description: Text({ maxLength: 500 }),
  category: NonBlankText({ minLength: 1, maxLength: 40 }),
  priceCents: Type.Integer({ minimum: 0, maximum: 100_000 }),
  available: Type.Boolean(),
  optionGroupIds: Type.Array(Uuid, {
    maxItems: 10,
    uniqueItems: true,
    description: 'Option groups (size, milk, …) as listed on menu items.',
  }),
};

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  503: ProblemSchema,
};

const requireAdmin = async (request: FastifyRequest) => {
  if (!(await holdsRole(request, 'admin')))
    throw new Problem(403, 'forbidden', 'Forbidden', 'Changing the menu needs the admin role.');
};

/**
 * Admin: add, change and remove menu items. The order service drops its cached menu on each
 * change; `menuChanged` then drops every replica's copy of the answer to GET /v1/menu.
 */
export function menuAdminRoutes(
  app: FastifyInstance,
  menu: menuV1.MenuServiceClient,
  menuChanged: () => Promise<void>,
  timeoutMs: number,
) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  // Fastify checked the request against the document, so what the menu still refuses breaks a
  // rule of the menu itself: an unknown option group, a price some option takes below zero.
  const refusal: Refusal = (error) => {
    if (error.code === Status.ALREADY_EXISTS)
      return new Problem(409, 'name-taken', 'Name taken', error.details);
    if (error.code === Status.INVALID_ARGUMENT)
      return new Problem(422, 'menu-rule', 'Not possible on this menu', error.details, {
        extensions: { errors: [fieldError(error.details)] },
      });
    return undefined;
  };

  typed.post(
    '/v1/menu/items',
    {
      schema: {
        tags: ['menu'],
        summary: 'Add a menu item (admin)',
        body: Type.Object({
          ...Fields,
          description: Type.Optional(Fields.description),
          available: Type.Optional(Fields.available),
          optionGroupIds: Type.Optional(Fields.optionGroupIds),
        }),
        response: { 201: MenuItem, ...errors },
      },
    },
    async (request, reply) => {
      await requireAdmin(request);
      const { item } = await callPeer(
        'order',
        menu,
        'createMenuItem',
        {
          name: request.body.name,
          description: request.body.description ?? '',
          category: request.body.category,
          priceCents: request.body.priceCents,
          available: request.body.available ?? true,
          optionGroupIds: request.body.optionGroupIds ?? [],
        },
        timeoutMs,
        refusal,
      );
      if (!item) throw new Error('the order service answered without an item');
      await menuChanged();
      return reply.code(201).send(item);
    },
  );

  typed.patch(
    '/v1/menu/items/:id',
    {
      schema: {
        tags: ['menu'],
        summary: 'Change a menu item: name, price, availability, option groups (admin)',
        params: Type.Object({ id: Uuid }),
        body: Type.Partial(Type.Object(Fields), { minProperties: 1 }),
        response: { 200: MenuItem, ...errors },
      },
    },
    async (request) => {
      await requireAdmin(request);
      const { optionGroupIds, ...changes } = request.body;
      const { item } = await callPeer(
        'order',
        menu,
        'updateMenuItem',
        {
          id: request.params.id,
          ...changes,
          updateOptionGroups: optionGroupIds !== undefined,
          optionGroupIds: optionGroupIds ?? [],
        },
        timeoutMs,
        refusal,
      );
      if (!item) throw new Error('the order service answered without an item');
      await menuChanged();
      return item;
    },
  );

  typed.delete(
    '/v1/menu/items/:id',
    {
      schema: {
        tags: ['menu'],
        summary: 'Remove a menu item (admin)',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await requireAdmin(request);
      await callPeer('order', menu, 'deleteMenuItem', { id: request.params.id }, timeoutMs);
      await menuChanged();
      return reply.code(204).send(null);
    },
  );
}
