import { Type, type TStringOptions } from '@fastify/type-provider-typebox';

export const Uuid = Type.String({ format: 'uuid' });

/** What JavaScript's trim() removes, spelled out: regex engines disagree on what `\s` means. */
const SPACE =
  '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * Text a client sends that the services store: PostgreSQL's text cannot hold U+0000, so the
 * document declares it, and a request holding one is a 400 naming the field.
 */
export const Text = (options: TStringOptions = {}) =>
  Type.String({ pattern: '^[^\\u0000]*$', ...options });

/** Text with at least one character besides white space, which the services trim away. */
export const NonBlankText = (options: TStringOptions = {}) =>
  Type.String({ pattern: `^[^\\u0000]*[^\\u0000${SPACE}][^\\u0000]*$`, ...options });

/** An e-mail address, as accounts are registered and signed in with: its domain has a dot. */
export const Email = Type.String({
  format: 'email',
  pattern: '^[^@]+@[^@]+\\.[^@]+$',
  maxLength: 254,
});

const orderStatuses = ['placed', 'accepted', 'ready', 'completed', 'cancelled', 'expired'] as const;

export const OrderStatus = Type.Unsafe<(typeof orderStatuses)[number]>({
  type: 'string',
  enum: [...orderStatuses],
});

export const Order = Type.Object({
  id: Uuid,
  status: OrderStatus,
  statusReason: Type.Optional(Type.String()),
  customerId: Uuid,
  customerName: Type.String(),
  items: Type.Array(
    Type.Object({
      menuItemId: Uuid,
      name: Type.String(),
      quantity: Type.Integer(),
      options: Type.Array(
        Type.Object({ id: Type.String(), name: Type.String(), priceDeltaCents: Type.Integer() }),
      ),
      unitPriceCents: Type.Integer(),
      lineTotalCents: Type.Integer(),
    }),
  ),
  totalCents: Type.Integer({ minimum: 0 }),
  discountCents: Type.Integer({
    minimum: 0,
    description: 'Taken off for a drink paid with loyalty points.',
  }),
  pointsRedeemed: Type.Integer({ minimum: 0 }),
  placedAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  queuePosition: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Open orders ahead of this one (0 = next).' }),
  ),
  estimatedReadyAt: Type.Optional(Type.String({ format: 'date-time' })),
  acceptBy: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'When a waiting order is cancelled if nobody accepts it.',
    }),
  ),
  scheduleId: Type.Optional(
    Type.String({ format: 'uuid', description: 'The schedule that placed it, if one did.' }),
  ),
  roundId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'The round for the table it is part of: the barista makes the round as one.',
    }),
  ),
});

export const Role = Type.Union([
  Type.Literal('customer'),
  Type.Literal('barista'),
  Type.Literal('admin'),
]);

export const Customer = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  role: Role,
  tabBalanceCents: Type.Integer(),
  loyaltyPoints: Type.Integer(),
  stats: Type.Object({
    ordersCompleted: Type.Integer(),
    totalSpentCents: Type.Integer(),
    favoriteMenuItemId: Type.Optional(Uuid),
    lastOrderAt: Type.Optional(Type.String({ format: 'date-time' })),
  }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const Tokens = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    ),
    currentStatus: Type.Optional(OrderStatus),
  },
  { description: 'RFC 9457 problem details (application/problem+json).' },
);

const MenuOption = Type.Object({
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
  options: Type.Array(MenuOption),
});

export const MenuItem = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  priceCents: Type.Integer({ minimum: 0, description: 'With every option group at its default.' }),
  available: Type.Boolean(),
  optionGroups: Type.Array(OptionGroup),
});

export const Menu = Type.Object({ items: Type.Array(MenuItem) });
