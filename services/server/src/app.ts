import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { menuV1 } from '@everything/contracts';
import type { Logger } from '@everything/logger';
import { registerProblemHandlers } from './problem.ts';
import { healthRoutes, type Peer } from './routes/health.ts';
import { menuRoutes } from './routes/menu.ts';

export interface ServerDeps {
  logger: Logger;
  menu: menuV1.MenuServiceClient;
  peers: Peer[];
  upstreamTimeoutMs: number;
  /** False once shutdown has begun. */
  isAccepting: () => boolean;
}

/** Builds the HTTP app without listening: tests build it with their own dependencies. */
export async function createApp(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Widened so the instance keeps Fastify's default logger type, which the route modules take.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    return503OnClosing: true,
  });
  registerProblemHandlers(app);
  healthRoutes(app, deps.peers, deps.isAccepting, Math.min(deps.upstreamTimeoutMs, 1_000));
  menuRoutes(app, deps.menu, deps.upstreamTimeoutMs);
  await app.ready();
  return app;
}
