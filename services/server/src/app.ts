import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type {
  customerV1,
  menuV1,
  orderV1,
  pushV1,
  roundV1,
  scheduleV1,
} from '@everything/contracts';
import type { Logger } from '@everything/logger';
import type { Valkey } from '@everything/valkey';
import { sessionRoleFrom } from './auth/session-role.ts';
import { pickupViewer, registerTokens, signedIn, type TokenSettings } from './auth/tokens.ts';
import { FavoritesCache } from './favorites-cache.ts';
import { MENU_MAX_AGE_MS, MenuCopy, menuChangeChannel } from './menu-copy.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { exactDocument } from './openapi-document.ts';
import { requestValidator } from './request-validation.ts';
import { Problem, problems, registerProblemHandlers, send as sendProblem } from './problem.ts';
import { authRoutes } from './routes/auth.ts';
import { customerRoutes } from './routes/customers.ts';
import { eventRoutes, eventStreamer } from './routes/events.ts';
import { healthRoutes, type Peer } from './routes/health.ts';
import { menuAdminRoutes } from './routes/menu-admin.ts';
import { menuRoutes } from './routes/menu.ts';
import { orderRoutes } from './routes/orders.ts';
import { displayKeyRoutes, pickupRoutes } from './routes/pickup.ts';
import { pushRoutes } from './routes/push.ts';
import { roundRoutes } from './routes/rounds.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { ORDER_PLACEMENT_DEFAULTS } from './config.ts';
import { Admission, type AdmissionLimits } from './upstream/admission.ts';
import { registerWebApp } from './web-app.ts';

export interface ServerDeps {
  logger: Logger;
  menu: menuV1.MenuServiceClient;
  orders: orderV1.OrderServiceClient;
  schedules: scheduleV1.ScheduleServiceClient;
  rounds: roundV1.RoundServiceClient;
  customers: customerV1.CustomerServiceClient;
  push: pushV1.PushServiceClient;
  valkey: Valkey;
  peers: Peer[];
  tokens: TokenSettings;
  rateLimits: { perMinute: number; authPerMinute: number };
  upstreamTimeoutMs: number;
  /** ORDER_ACTION_TIMEOUT_MS: the deadline of an order action; the upstream one if unset. */
  orderActionTimeoutMs?: number;
  trustProxyHops: number;
  /** False once shutdown has begun. */
  isAccepting: () => boolean;
  /** The built web app; none serves the API alone. */
  webRoot?: string;
  /** How old the menu copy may grow (MENU_MAX_AGE_MS); tests lengthen it to see pub/sub alone. */
  menuMaxAgeMs?: number;
  /** Admission control of order placement (ORDER_PLACEMENT_*); the config's defaults if unset. */
  placementLimits?: AdmissionLimits;
}

/** Builds the HTTP app without listening: tests build it with their own dependencies. */
export async function createApp(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Widened so the instance keeps Fastify's default logger type, which the route modules take.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A request that reaches a closing server on a kept-alive connection is served, not refused:
    // in a rolling upgrade, kube-proxy and the ingress still send to a terminating pod for a
    // moment, and a 503 there would fail a request that the pod could answer. Idle
    // connections are closed (forceCloseConnections: 'idle', the default), so clients reconnect
    // to a pod that stays.
    return503OnClosing: false,
    // Only the given number of proxy hops may set the client's address (X-Forwarded-For).
    trustProxy: (_address: string, hop: number) => hop < deps.trustProxyHops,
    // A body's "__proto__" key is dropped rather than the body refused: it is just another
    // unknown field, and dropping it is what keeps it from reaching an object's prototype.
    onProtoPoisoning: 'remove',
    // A path segment longer than any route parameter may be (maxParamLength), or one with a
    // broken %-escape, is an invalid parameter like any other: a 400 problem, not Fastify's own
    // body or a 414 the document cannot list for every path.
    frameworkErrors: (error, request, reply) => {
      const invalidPath =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' || error.code === 'FST_ERR_BAD_URL';
      void sendProblem(
        reply,
        request.url,
        invalidPath
          ? problems.validation([{ field: 'path', message: 'not a valid path parameter' }])
          : new Problem(error.statusCode ?? 400, 'bad-request', 'Bad request', error.message),
      );
    },
  });
  app.setValidatorCompiler(requestValidator());
  const answerMethodsNotAllowed = methodNotAllowed(app);
  const pageFallback = deps.webRoot ? await registerWebApp(app, deps.webRoot) : undefined;
  registerProblemHandlers(app, pageFallback);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Everything',
        version: '1.0.0',
        description:
          'Coffee ordering: menu, orders, the barista queue, customers. Errors are RFC 9457 problem details.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transformObject: (documents) =>
      'openapiObject' in documents
        ? exactDocument(documents.openapiObject)
        : documents.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerTokens(app, deps.tokens);
  await app.register(rateLimit, {
    max: deps.rateLimits.perMinute,
    timeWindow: '1 minute',
    redis: deps.valkey,
    nameSpace: 'rate-limit:',
    // Per signed-in user when the token is valid, per IP address otherwise.
    keyGenerator: async (request) => {
      try {
        return `user:${(await request.jwtVerify<{ sub: string }>()).sub}`;
      } catch {
        return `ip:${request.ip}`;
      }
    },
    // Fails open: an unreachable Valkey must not take ordering down with it.
    skipOnError: true,
    // No allowList: exemptions are per route (`config: { rateLimit: false }` on probes and
    // streams), so no URL can borrow a stream's exemption for another handler.
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => Promise.resolve(app.swagger()));
  healthRoutes(app, deps.peers, deps.isAccepting, Math.min(deps.upstreamTimeoutMs, 1_000));
  const menuCopy = new MenuCopy(deps.menuMaxAgeMs ?? MENU_MAX_AGE_MS);
  const menuChanges = menuChangeChannel(deps.valkey, () => menuCopy.invalidate(), deps.logger);
  app.addHook('onClose', () => menuChanges.close());
  menuRoutes(app, deps.menu, menuCopy, deps.upstreamTimeoutMs);
  authRoutes(app, deps.customers, {
    timeoutMs: deps.upstreamTimeoutMs,
    rateLimitPerMinute: deps.rateLimits.authPerMinute,
    sessionTtlSeconds: deps.tokens.refreshTtlSeconds,
  });
  // Privileged decisions ask the customer service for the caller's role now, never the token.
  const sessionRole = sessionRoleFrom(deps.customers, deps.upstreamTimeoutMs);
  pushRoutes(app, {
    push: deps.push,
    signedIn: signedIn(sessionRole),
    timeoutMs: deps.upstreamTimeoutMs,
  });
  const favoritesCache = new FavoritesCache(deps.valkey, deps.customers, deps.upstreamTimeoutMs);
  const stream = eventStreamer(app, deps.orders);
  // The pickup display: a TV with a display key, or staff.
  await app.register(function pickupDisplayRoutes(scope) {
    scope.addHook('onRequest', pickupViewer(deps.valkey, sessionRole));
    pickupRoutes(scope, { orders: deps.orders, stream, timeoutMs: deps.upstreamTimeoutMs });
    return Promise.resolve();
  });
  // Routes that need a signed-in caller share one encapsulated scope and its hook. The
  // function's name is the plugin's name, which Fastify's spans show.
  const placements = new Admission(
    'orders',
    deps.placementLimits ?? {
      concurrency: ORDER_PLACEMENT_DEFAULTS.ORDER_PLACEMENT_CONCURRENCY,
      queue: ORDER_PLACEMENT_DEFAULTS.ORDER_PLACEMENT_QUEUE,
      maxWaitMs: ORDER_PLACEMENT_DEFAULTS.ORDER_PLACEMENT_MAX_WAIT_MS,
    },
  );
  await app.register(function signedInRoutes(scope) {
    scope.addHook('onRequest', signedIn(sessionRole));
    orderRoutes(scope, {
      orders: deps.orders,
      favoritesCache,
      valkey: deps.valkey,
      timeoutMs: deps.upstreamTimeoutMs,
      actionTimeoutMs: deps.orderActionTimeoutMs ?? deps.upstreamTimeoutMs,
      placements,
    });
    customerRoutes(scope, {
      customers: deps.customers,
      menu: deps.menu,
      favoritesCache,
      timeoutMs: deps.upstreamTimeoutMs,
    });
    eventRoutes(scope, { orders: deps.orders, stream, timeoutMs: deps.upstreamTimeoutMs });
    menuAdminRoutes(scope, deps.menu, menuChanges.announce, deps.upstreamTimeoutMs);
    displayKeyRoutes(scope, deps.valkey);
    scheduleRoutes(scope, { schedules: deps.schedules, timeoutMs: deps.upstreamTimeoutMs });
    roundRoutes(scope, { rounds: deps.rounds, timeoutMs: deps.upstreamTimeoutMs });
    return Promise.resolve();
  });
  answerMethodsNotAllowed();
  await app.ready();
  return app;
}
