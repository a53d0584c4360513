import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { orderV1 } from '@everything/contracts';
import { holdsRole, principalOf } from '../auth/tokens.ts';
import { Problem, problems } from '../problem.ts';
import { Problem as ProblemSchema, Uuid } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Open streams one caller may hold on this replica: a phone, a tablet and a TV each need one
 * or two; more is a leaked token or a client stuck in a loop, each costing a watch on the
 * order service.
 */
export const MAX_STREAMS_PER_CALLER = 8;

export const StreamQuery = Type.Object({
  lastEventId: Type.Optional(
    Type.String({
      pattern: '^\\d+$',
      description: 'For clients that cannot send the Last-Event-ID header.',
    }),
  ),
});

/** A 200 that is a stream of Server-Sent Events, each described as its parsed fields. */
export const EventStream = {
  description: 'Server-Sent Events until the client leaves; each event as its parsed fields.',
  content: {
    'text/event-stream': {
      schema: Type.Object({
        id: Type.String({
          pattern: '^\\d+$',
          description: 'Send back as Last-Event-ID to resume.',
        }),
        event: Type.String({ description: 'The event type, such as order.accepted.' }),
        data: Type.String({ description: 'The event, as JSON.' }),
      }),
    },
  },
};

/** What of one event in the order service's log a client receives; `undefined` skips it. */
export type EventProjection = (event: orderV1.WatchOrderEventsResponse) => string | undefined;

const wholeEvent: EventProjection = (event) => event.eventJson;

/**
 * Route options of every stream: long-lived streams are not requests to rate limit (they have
 * their own cap, MAX_STREAMS_PER_CALLER). The exemption is the route's, so it cannot be borrowed
 * by another route whose URL merely ends in /events.
 */
export const streamRouteConfig = { rateLimit: false } as const;

export type EventStreamer = (
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    /** The order to follow, or '' for every order; a function runs after the stream cap is checked. */
    orderId: string | (() => Promise<string>);
    fallbackAfter: number;
    project?: EventProjection;
  },
) => Promise<void>;

/**
 * Server-Sent Events from the order service's event log. Each event's id is its position in
 * that log, so a client that reconnects with Last-Event-ID resumes exactly after the last
 * event it saw, from any server replica. Made on the root app, whose close ends the streams.
 */
export function eventStreamer(
  app: FastifyInstance,
  orders: orderV1.OrderServiceClient,
): EventStreamer {
  const open = new Set<() => void>();
  const perCaller = new Map<string, number>();
  let closing = false;
  // Streams never end by themselves; at shutdown they end so clients reconnect to another replica.
  app.addHook('preClose', (done) => {
    closing = true;
    for (const end of open) end();
    done();
  });
  return async (request, reply, { orderId, fallbackAfter, project = wholeEvent }) => {
    // A closing server still answers what reaches it (return503OnClosing is off), but a stream
    // begun now would hold the shutdown open until its budget ran out: the client reconnects to
    // a replica that stays instead.
    if (closing) {
      throw problems.serviceUnavailable('This server is shutting down; reconnect to another.');
    }
    const header = request.headers['last-event-id'];
    const lastEventId =
      (typeof header === 'string' ? header : undefined) ??
      (request.query as { lastEventId?: string }).lastEventId;
    if (lastEventId !== undefined && !/^\d+$/.test(lastEventId)) {
      throw problems.validation([
        { field: 'Last-Event-ID', message: 'must be an event id this stream sent' },
      ]);
    }
    // Set by @fastify/jwt when the route's hook verified the token.
    const caller = (request.user as { sub?: string } | undefined)?.sub ?? `ip:${request.ip}`;
    const held = perCaller.get(caller) ?? 0;
    if (held >= MAX_STREAMS_PER_CALLER) {
      throw new Problem(
        429,
        'too-many-streams',
        'Too many streams',
        `At most ${MAX_STREAMS_PER_CALLER} event streams at once; close one first.`,
        { headers: { 'retry-after': '15' } },
      );
    }
    perCaller.set(caller, held + 1);
    const release = () => {
      const remaining = (perCaller.get(caller) ?? 1) - 1;
      if (remaining > 0) perCaller.set(caller, remaining);
      else perCaller.delete(caller);
    };
    // The cap comes first: a caller at its cap costs no lookup on the order service.
    let watched: string;
    try {
      watched = typeof orderId === 'string' ? orderId : await orderId();
    } catch (error) {
      release();
      throw error;
    }
    reply.hijack();
    // The client may have gone while the order was looked up; its close event has passed.
    if (request.raw.socket.destroyed) {
      release();
      return;
    }
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    const call = orders.watchOrderEvents({
      orderId: watched,
      afterSequence: lastEventId === undefined ? fallbackAfter : Number(lastEventId),
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = () => {
      if (!open.has(end)) return;
      clearInterval(heartbeat);
      open.delete(end);
      release();
      call.cancel();
      response.end();
    };
    open.add(end);
    call.on('data', (event: orderV1.WatchOrderEventsResponse) => {
      const data = project(event);
      if (data === undefined) return;
      const flushed = response.write(
        `id: ${event.sequence}\nevent: ${event.type}\ndata: ${data}\n\n`,
      );
      // A slow client: stop reading from the order service until its socket drains, rather
      // than buffering without bound in this process.
      if (!flushed) {
        call.pause();
        response.once('drain', () => call.resume());
      }
    });
    call.on('end', end);
    call.on('error', (error) => {
      if (open.has(end))
        request.log.warn({ err: error }, 'order event stream from the order service failed');
      end();
    });
    request.raw.on('close', end);
  };
}

/** The streams of a signed-in caller: one order (its customer or staff), or the whole queue (staff). */
export function eventRoutes(
  app: FastifyInstance,
  deps: { orders: orderV1.OrderServiceClient; stream: EventStreamer; timeoutMs: number },
) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/v1/orders/:id/events',
    {
      config: streamRouteConfig,
      schema: {
        tags: ['orders'],
        summary:
          'Server-Sent Events: every status change of one order (its customer, a barista or an admin)',
        params: Type.Object({ id: Uuid }),
        querystring: StreamQuery,
        response: {
          200: EventStream,
          401: ProblemSchema,
          404: ProblemSchema,
          429: ProblemSchema,
          503: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const visibleOrderId = async () => {
        const { order } = await callPeer(
          'order',
          deps.orders,
          'getOrder',
          { orderId: request.params.id },
          deps.timeoutMs,
        );
        if (
          !order ||
          (order.customerId !== principal.sub && !(await holdsRole(request, 'barista')))
        ) {
          throw problems.notFound(`no order has id ${request.params.id}`);
        }
        return order.id;
      };
      // From the start: a tracker sees every state the order has been in.
      await deps.stream(request, reply, { orderId: visibleOrderId, fallbackAfter: 0 });
    },
  );

  typed.get(
    '/v1/queue/events',
    {
      config: streamRouteConfig,
      schema: {
        tags: ['orders'],
        summary:
          "Server-Sent Events: the barista's live queue, every status change of every order (barista)",
        querystring: StreamQuery,
        response: {
          200: EventStream,
          401: ProblemSchema,
          403: ProblemSchema,
          429: ProblemSchema,
          503: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      if (!(await holdsRole(request, 'barista')))
        throw new Problem(403, 'forbidden', 'Forbidden', 'The live queue needs the barista role.');
      // From now: the board loads the open orders with GET /v1/orders?status=… and follows from there.
      await deps.stream(request, reply, { orderId: '', fallbackAfter: -1 });
    },
  );
}
