import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { menuV1 } from '@everything/contracts';
import { callPeer } from '../upstream/grpc-call.ts';

const Option = Type.Object({
  id: Type.String(),
  name: Type.String(),
  priceDeltaCents: Type.Integer(),
  isDefault: Type.Boolean(),
});

const OptionGroup = Type.Object({
  id: Type.String(),
  name: Type.String(),
  minChoices: Type.Integer({ minimum: 0 }),
  maxChoices: Type.Integer({ minimum: 1 }),
  options: Type.Array(Option),
});

export const Menu = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      category: Type.String(),
      priceCents: Type.Integer({ minimum: 0 }),
      available: Type.Boolean(),
      optionGroups: Type.Array(OptionGroup),
    }),
  ),
});

/** GET /v1/menu: public; the order service owns the menu and its cache. */
export function menuRoutes(
  app: FastifyInstance,
  menu: menuV1.MenuServiceClient,
  timeoutMs: number,
) {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get('/v1/menu', { schema: { response: { 200: Menu } } }, async () => {
      const { items } = await callPeer('order', menu, 'listMenuItems', {}, timeoutMs);
      return { items };
    });
}
