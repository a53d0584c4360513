import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { orderV1 } from '@everything/contracts';
import type { Valkey } from '@everything/valkey';
import { holdsRole, issueDisplayKey, revokeDisplayKeys } from '../auth/tokens.ts';
import { Problem, problems } from '../problem.ts';
import { Problem as ProblemSchema, Uuid } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import {
  EventStream,
  StreamQuery,
  streamRouteConfig,
  type EventProjection,
  type EventStreamer,
} from './events.ts';

const errors = { 401: ProblemSchema, 403: ProblemSchema, 429: ProblemSchema, 503: ProblemSchema };

/**
 * What a TV on the wall may know: who has an order ready, nothing else — no customer ids,
 * drinks or prices.
 */
const PickupOrder = Type.Object({
  id: Uuid,
  customerName: Type.String(),
  readyAt: Type.String({ format: 'date-time' }),
});

/** A stream event reduced to what changed on the display: the order and its new status. */
const pickupChange: EventProjection = (event) => {
  const { order } = JSON.parse(event.eventJson) as { order: { id: string; status: string } };
  return JSON.stringify({ orderId: order.id, status: order.status });
};

/** The pickup display's data, for a display key (see routes below) or staff. */
export function pickupRoutes(
  app: FastifyInstance,
  deps: { orders: orderV1.OrderServiceClient; stream: EventStreamer; timeoutMs: number },
) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    '/v1/pickup',
    {
      schema: {
        tags: ['pickup display'],
        summary: 'Orders ready for pickup, oldest first (display key, barista or admin)',
        response: { 200: Type.Object({ orders: Type.Array(PickupOrder) }), ...errors },
      },
    },
    async () => {
      const { orders } = await callPeer(
        'order',
        deps.orders,
        'listOrders',
        { customerId: '', statuses: [orderV1.OrderStatus.ORDER_STATUS_READY], limit: 100 },
        deps.timeoutMs,
      );
      return {
        orders: orders
          .map((order) => ({
            id: order.id,
            customerName: order.customerName,
            readyAt: (order.updatedAt ?? new Date(0)).toISOString(),
          }))
          .sort((a, b) => a.readyAt.localeCompare(b.readyAt)),
      };
    },
  );
  typed.get(
    '/v1/pickup/events',
    {
      config: streamRouteConfig,
      schema: {
        tags: ['pickup display'],
        summary:
          'Server-Sent Events: which order changed status, to refetch /v1/pickup (display key, barista or admin)',
        querystring: StreamQuery,
        response: { 200: EventStream, ...errors },
      },
    },
    async (request, reply) => {
      await deps.stream(request, reply, { orderId: '', fallbackAfter: -1, project: pickupChange });
    },
  );
}

/** Display keys live in Valkey; without it none can be made or revoked, and the caller is told. */
async function withValkey<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw problems.serviceUnavailable(
      'Display keys cannot be changed right now; try again shortly.',
    );
  }
}

/** Admin: make a display key for a TV, or revoke every key made so far. */
export function displayKeyRoutes(app: FastifyInstance, valkey: Valkey) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const requireAdmin = async (request: FastifyRequest) => {
    if (!(await holdsRole(request, 'admin')))
      throw new Problem(403, 'forbidden', 'Forbidden', 'Display keys need the admin role.');
  };
  typed.post(
    '/v1/displays',
    {
      schema: {
        tags: ['pickup display'],
        summary: 'Create a display key: open /display?key=… on the TV (admin)',
        response: {
          201: Type.Object({ key: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      await requireAdmin(request);
      const created = await withValkey(() => issueDisplayKey(app, valkey));
      return reply.code(201).send(created);
    },
  );
  typed.delete(
    '/v1/displays',
    {
      schema: {
        tags: ['pickup display'],
        summary: 'Revoke every display key made so far (admin)',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await requireAdmin(request);
      await withValkey(() => revokeDisplayKeys(valkey));
      return reply.code(204).send(null);
    },
  );
}
