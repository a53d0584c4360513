import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { menuV1 } from '@everything/contracts';
import { Menu } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';

/** GET /v1/menu: public; the order service owns the menu and its cache. */
export function menuRoutes(
  app: FastifyInstance,
  menu: menuV1.MenuServiceClient,
  timeoutMs: number,
) {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/v1/menu',
    {
      schema: {
        tags: ['menu'],
        summary: 'The menu, browsable without signing in',
        security: [],
        response: { 200: Menu },
      },
    },
    async () => {
      const { items } = await callPeer('order', menu, 'listMenuItems', {}, timeoutMs);
      return { items };
    },
  );
}
