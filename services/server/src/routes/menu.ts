import type { FastifyInstance } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import type { menuV1 } from '@everything/contracts';
import { noneMatchHits, type MenuCopy } from '../menu-copy.ts';
import { Menu } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';

/**
 * Any cache, the browser's or a proxy's, may answer for 5 s, then asks again with If-None-Match
 * and most often gets a body-less 304. No stale-while-revalidate: the web app polls every 10 s
 * to show changes, so every poll already finds the entry expired, and answering it from the
 * stale entry would only show each change one poll later; this server answers a revalidation
 * from memory anyway. A change reaches a polling page within 10 s + 5 s + the copy's second.
 */
const CACHE_CONTROL = 'public, max-age=5';

const validatorHeaders = {
  etag: Type.String({
    description: 'Strong validator of the menu; equal on every replica for an equal menu.',
  }),
  'cache-control': Type.String({ description: `\`${CACHE_CONTROL}\`` }),
};

/** GET /v1/menu: public; the order service owns the menu, this server a copy of its answer. */
export function menuRoutes(
  app: FastifyInstance,
  menu: menuV1.MenuServiceClient,
  copy: MenuCopy,
  timeoutMs: number,
) {
  // Without the type provider: the answer is sent as the bytes the copy holds, not as an object.
  app.get(
    '/v1/menu',
    {
      schema: {
        tags: ['menu'],
        summary: 'The menu, browsable without signing in',
        security: [],
        headers: Type.Object({
          'if-none-match': Type.Optional(
            Type.String({
              description: 'ETags of menus the client holds; a match is a 304 without a body.',
            }),
          ),
        }),
        response: {
          200: { ...Menu, description: 'The menu.', headers: validatorHeaders },
          304: {
            type: 'null',
            description: 'Not Modified: the menu is the one the client holds.',
            headers: validatorHeaders,
          },
        },
      },
      // Not rate limited: the answer comes from memory, cheaper than the Valkey round trip that
      // would count it, and a café's phones share one address behind its Wi-Fi, each polling
      // every 10 s, which a per-address limit would soon refuse.
      // No span per Fastify hook (@fastify/otel): they cost a third of the menu's throughput
      // (`make bench`: 8,900 req/s with them, 13,800 without) and would say nothing about a
      // copy served from memory. The request's own HTTP span and metrics remain.
      config: { rateLimit: false, otel: false },
    },
    async (request, reply) => {
      // Serialized by this route's own serializer for 200, so the bytes are what it always
      // answered (the reply's status may be 304 by the time a refresh ahead ends).
      const serialize = reply.getSerializationFunction('200');
      if (!serialize) throw new Error('GET /v1/menu has no serializer for 200');
      const load = async () => {
        const { items } = await callPeer('order', menu, 'listMenuItems', {}, timeoutMs);
        return Buffer.from(serialize({ items }));
      };
      const { body, etag } = await copy.get(load, request.log);
      reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
      if (noneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
