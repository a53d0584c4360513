import type { FastifyInstance } from 'fastify';
import type { HealthProbe } from '@everything/grpc';
import { Problem } from '../problem.ts';

export interface Peer {
  name: string;
  probe: HealthProbe;
}

/**
 * /healthz: the process is alive (Kubernetes restarts it otherwise).
 * /readyz: the server can serve, meaning every peer service reports SERVING over grpc.health.v1
 * (each peer in turn reports whether its own database answers). Kubernetes sends traffic only
 * while this is 200; during shutdown it turns 503 first.
 */
export function healthRoutes(
  app: FastifyInstance,
  peers: Peer[],
  isAccepting: () => boolean,
  timeoutMs: number,
) {
  // Probes arrive every few seconds: their request logs would drown the ones that matter.
  // Not rate limited: a probe that gets a 429 would restart or unroute a healthy replica.
  const quiet = { logLevel: 'warn', schema: { hide: true }, config: { rateLimit: false } } as const;

  app.get('/healthz', quiet, () => Promise.resolve({ status: 'ok' }));

  app.get('/readyz', quiet, async () => {
    if (!isAccepting()) {
      throw new Problem(503, 'not-ready', 'Not ready', 'The server is shutting down.');
    }
    const statuses = await Promise.all(peers.map((peer) => peer.probe.status(timeoutMs)));
    const checks = Object.fromEntries(peers.map((peer, index) => [peer.name, statuses[index]]));
    if (statuses.every((status) => status === 'SERVING')) return { status: 'ready', checks };
    const failing = peers
      .filter((_, index) => statuses[index] !== 'SERVING')
      .map((peer) => peer.name);
    throw new Problem(503, 'not-ready', 'Not ready', `Not serving: ${failing.join(', ')}.`, {
      extensions: { checks },
    });
  });
}
