import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { orderV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import type { Valkey } from '@everything/valkey';
import { holdsRole, principalOf, type Principal, type Role } from '../auth/tokens.ts';
import type { FavoritesCache } from '../favorites-cache.ts';
import { idempotencyKeyRequired, keyReused, reserveIdempotencyKey } from '../idempotency.ts';
import { Problem, problems } from '../problem.ts';
import { OPTIONAL_BODY } from '../openapi-document.ts';
import {
  NonBlankText,
  Order,
  OrderStatus,
  Problem as ProblemSchema,
  Text,
  Uuid,
} from '../schemas.ts';
import type { Admission } from '../upstream/admission.ts';
import { callPeer, fieldError, type Refusal } from '../upstream/grpc-call.ts';
import { orderJson, orderStatusOf } from '../upstream/convert.ts';

export const OrderRequest = Type.Object({
  items: Type.Array(
    Type.Object({
      menuItemId: Uuid,
      quantity: Type.Integer({ minimum: 1, maximum: 20 }),
      options: Type.Optional(
        Type.Array(Uuid, {
          maxItems: 20,
          uniqueItems: true,
          description: 'Option ids; groups left out take their default.',
        }),
      ),
    }),
    { minItems: 1, maxItems: 20 },
  ),
  redeemFreeDrink: Type.Optional(
    Type.Boolean({
      description: 'Pay for the most expensive drink with loyalty points (100 points by default).',
    }),
  ),
});

/** Required on every request that places an order: a retry with the same key places nothing new. */
const IdempotencyHeaders = Type.Object({
  'idempotency-key': NonBlankText({
    maxLength: 255,
    description: 'Chosen by the client, new for each order it means to place (a UUID will do).',
  }),
});

/** A missing or unusable key keeps its own problem type, which clients may switch on. */
const idempotencyKeyErrors = (
  errors: { instancePath: string; params: Record<string, unknown> }[],
  context: string,
): Error =>
  context === 'headers' &&
  errors.some(
    (error) =>
      error.instancePath === '/idempotency-key' ||
      error.params.missingProperty === 'idempotency-key',
  )
    ? idempotencyKeyRequired()
    : new Error(`invalid ${context}`);

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
  503: ProblemSchema,
};

/** The order service's refusals as the API promises them: wrong state 409 with the current state, unavailable 422. */
const orderRefusal: Refusal = (error) => {
  if (error.code === Status.FAILED_PRECONDITION) {
    const current = /^(placed|accepted|ready|completed|cancelled|expired): (.*)$/s.exec(
      error.details,
    );
    if (current) {
      return new Problem(409, 'invalid-transition', 'Not possible in this state', current[2], {
        extensions: { currentStatus: current[1] },
      });
    }
    return new Problem(422, 'item-unavailable', 'Item unavailable', error.details, {
      extensions: { errors: [fieldError(error.details)] },
    });
  }
  // The request matched the document (Fastify checked it), so what the order service still
  // refuses is what the menu does not offer: an unknown item or option, a choice out of bounds.
  if (error.code === Status.INVALID_ARGUMENT) {
    return new Problem(422, 'not-on-the-menu', 'Not on the menu', error.details, {
      extensions: { errors: [fieldError(error.details)] },
    });
  }
  return undefined;
};

/** A placement the order service did not confirm: it may still land, once, under its key. */
const notConfirmed = () =>
  new Problem(
    503,
    'service-unavailable',
    'Service unavailable',
    'The order service did not confirm the order in time. Retry with the same Idempotency-Key: the order is placed at most once.',
    { headers: { 'retry-after': '1' } },
  );

export const ActionHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Optional. A retry with the same key gets the first attempt’s answer instead of a 409.',
    }),
  ),
});

/** The key as the order service gets it: a digest, so the client's key is stored nowhere. */
export const actionKeyDigest = (key: string | undefined) =>
  key ? createHash('sha256').update(key).digest('base64url') : '';

type ActionName = 'acceptOrder' | 'declineOrder' | 'markOrderReady' | 'cancelOrder' | 'pickUpOrder';

/** Who may take each action: the barista works the queue; the customer may cancel and pick up their own. */
const actions: {
  path: string;
  method: ActionName;
  summary: string;
  least: Role;
  owner: boolean;
}[] = [
  {
    path: 'accept',
    method: 'acceptOrder',
    summary: 'Accept a placed order (barista)',
    least: 'barista',
    owner: false,
  },
  {
    path: 'decline',
    method: 'declineOrder',
    summary: 'Decline a placed order; the tab is refunded (barista)',
    least: 'barista',
    owner: false,
  },
  {
    path: 'ready',
    method: 'markOrderReady',
    summary: 'Mark an accepted order ready; the customer is told (barista)',
    least: 'barista',
    owner: false,
  },
  {
    path: 'cancel',
    method: 'cancelOrder',
    summary: 'Cancel your order until it is accepted; the tab is refunded',
    least: 'admin',
    owner: true,
  },
  {
    path: 'pickup',
    method: 'pickUpOrder',
    summary: 'Pick up a ready order (its customer or a barista)',
    least: 'barista',
    owner: true,
  },
];

export function orderRoutes(
  app: FastifyInstance,
  deps: {
    orders: orderV1.OrderServiceClient;
    favoritesCache: FavoritesCache;
    valkey: Valkey;
    timeoutMs: number;
    /** An action waits for the order's workflow to apply it (ORDER_ACTION_TIMEOUT_MS). */
    actionTimeoutMs: number;
    placements: Admission;
  },
) {
  const { orders, favoritesCache, valkey, timeoutMs, actionTimeoutMs, placements } = deps;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const IdParams = Type.Object({ id: Uuid });

  const fetchOrder = async (id: string) =>
    (await callPeer('order', orders, 'getOrder', { orderId: id }, timeoutMs)).order;
  /** The order if the caller may see it; 404 otherwise, so ids of others' orders are not confirmed. */
  const visibleOrder = async (request: FastifyRequest, id: string) => {
    const order = await fetchOrder(id);
    if (
      !order ||
      (order.customerId !== principalOf(request).sub && !(await holdsRole(request, 'barista')))
    )
      throw problems.notFound(`no order has id ${id}`);
    return order;
  };

  /**
   * Places an order once per Idempotency-Key: concurrent retries converge on the same order id.
   * Admission control refuses what the order service cannot start in time, before any work.
   */
  const place = (
    log: FastifyBaseLogger,
    principal: Principal,
    key: string | undefined,
    body: unknown,
    lines: orderV1.OrderLineRequest[],
    redeemFreeDrink: boolean,
    refusal: Refusal,
  ) =>
    placements.run(async () => {
      const reservation = await reserveIdempotencyKey(
        valkey,
        { principal: principal.sub, key },
        body,
        log,
      );
      try {
        const { order } = await callPeer(
          'order',
          orders,
          'placeOrder',
          {
            orderId: reservation.resourceId,
            customerId: principal.sub,
            customerName: principal.name,
            lines,
            redeemFreeDrink,
            idempotencyKey: reservation.keyDigest,
            requestFingerprint: reservation.fingerprint,
          },
          timeoutMs,
          (error) =>
            error.code === Status.ALREADY_EXISTS && error.details.startsWith('idempotency_key:')
              ? keyReused()
              : refusal(error),
        );
        return orderJson(order);
      } catch (error) {
        if (!(error instanceof Problem) || error.status !== 503) throw error;
        // The call went out but its answer did not come back in time: the order may have been
        // placed all the same. Answer what was done rather than a 503 that hides it.
        const placed = await fetchOrder(reservation.resourceId).catch(() => undefined);
        if (placed?.customerId === principal.sub) return orderJson(placed);
        throw notConfirmed();
      }
    });

  typed.post(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order (requires an Idempotency-Key header)',
        headers: IdempotencyHeaders,
        body: OrderRequest,
        response: { 201: Order, ...errors },
      },
      schemaErrorFormatter: idempotencyKeyErrors,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const order = await place(
        request.log,
        principal,
        request.headers['idempotency-key'],
        request.body,
        request.body.items.map((item) => ({
          menuItemId: item.menuItemId,
          quantity: item.quantity,
          optionIds: item.options ?? [],
        })),
        request.body.redeemFreeDrink ?? false,
        orderRefusal,
      );
      return reply.code(201).header('location', `/v1/orders/${order.id}`).send(order);
    },
  );

  typed.get(
    '/v1/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order (its customer, a barista or an admin)',
        params: IdParams,
        response: { 200: Order, ...errors },
      },
    },
    async (request) => orderJson(await visibleOrder(request, request.params.id)),
  );

  typed.get(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Your order history; baristas see the live queue with ?status=placed,accepted',
        // `status=placed,accepted`: one parameter, its values separated by commas.
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Array(OrderStatus, {
                // At least one: in this form style `status=` would otherwise mean both "no
                // filter" (an empty list) and "the status ''"; leave it out for no filter.
                minItems: 1,
                maxItems: 6,
                description: 'Only orders in these statuses: the live queue (baristas and admins).',
              }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { style: 'form', explode: false },
        ),
        response: { 200: Type.Object({ orders: Type.Array(Order) }), ...errors },
      },
      preValidation: (request, _reply, done) => {
        const query = request.query as { status?: string | string[] };
        if (query.status !== undefined)
          query.status = [query.status]
            .flat()
            .flatMap((value) => value.split(','))
            .filter(Boolean);
        done();
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const wire = (request.query.status ?? []).flatMap((name) => orderStatusOf(name) ?? []);
      if (wire.length > 0 && !(await holdsRole(request, 'barista'))) {
        throw new Problem(
          403,
          'forbidden',
          'Forbidden',
          'Filtering the queue by status needs the barista role.',
        );
      }
      const { orders: found } = await callPeer(
        'order',
        orders,
        'listOrders',
        {
          customerId: wire.length > 0 ? '' : principal.sub,
          statuses: wire,
          limit: request.query.limit ?? 50,
        },
        timeoutMs,
      );
      return { orders: found.map(orderJson) };
    },
  );

  typed.post(
    '/v1/orders/usual',
    {
      schema: {
        tags: ['orders'],
        summary:
          'Order my usual: your most recently saved favorite (requires an Idempotency-Key header)',
        headers: IdempotencyHeaders,
        response: { 201: Order, ...errors },
      },
      schemaErrorFormatter: idempotencyKeyErrors,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const favorites = await favoritesCache.list(principal.sub, request.log);
      const usual = favorites[0];
      if (!usual) {
        throw new Problem(
          422,
          'no-usual',
          'No usual yet',
          'Save a favorite drink first: PUT /v1/customers/me/favorites/{menuItemId}.',
        );
      }
      const order = await place(
        request.log,
        principal,
        request.headers['idempotency-key'],
        // The request, not the favorite it resolves to: a retry returns the order first placed.
        { usual: true },
        [{ menuItemId: usual.menuItemId, quantity: usual.quantity, optionIds: usual.optionIds }],
        false,
        (error) =>
          orderRefusal(error) ??
          (error.code === Status.INVALID_ARGUMENT
            ? new Problem(422, 'usual-unavailable', 'Your usual cannot be ordered', error.details)
            : undefined),
      );
      return reply.code(201).header('location', `/v1/orders/${order.id}`).send(order);
    },
  );

  for (const action of actions) {
    typed.post(
      `/v1/orders/:id/${action.path}`,
      {
        schema: {
          tags: ['orders'],
          summary: action.summary,
          params: IdParams,
          headers: ActionHeaders,
          body: Type.Object({ reason: Type.Optional(Text({ maxLength: 200 })) }),
          [OPTIONAL_BODY]: true,
          response: { 200: Order, ...errors },
        },
        // The body is optional: an action without one carries no reason.
        preValidation: (request, _reply, done) => {
          // Fastify leaves the body undefined when none was sent, whatever the schema's type says.
          const sent = request as { body: unknown };
          if (sent.body === undefined) sent.body = {};
          done();
        },
      },
      async (request) => {
        const principal = principalOf(request);
        // Its customer needs no role: their own order is theirs whatever the role is now.
        const own =
          action.owner && (await fetchOrder(request.params.id))?.customerId === principal.sub;
        if (!own && !(await holdsRole(request, action.least))) {
          // Others' orders are not confirmed to exist to a caller who may not see them.
          if (action.owner) await visibleOrder(request, request.params.id);
          throw new Problem(
            403,
            'forbidden',
            'Forbidden',
            `Only ${action.owner ? 'its customer or ' : ''}a ${action.least} may ${action.path} an order.`,
          );
        }
        const { order } = await callPeer(
          'order',
          orders,
          action.method,
          {
            orderId: request.params.id,
            actorId: principal.sub,
            reason: request.body.reason ?? '',
            idempotencyKey: actionKeyDigest(request.headers['idempotency-key']),
          },
          actionTimeoutMs,
          orderRefusal,
        );
        return orderJson(order);
      },
    );
  }
}
