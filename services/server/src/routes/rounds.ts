import type { FastifyInstance } from 'fastify';
import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { roundV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { principalOf } from '../auth/tokens.ts';
import { Problem } from '../problem.ts';
import { OrderStatus as OrderStatusSchema, Problem as ProblemSchema, Uuid } from '../schemas.ts';
import { callPeer, fieldError, type Refusal } from '../upstream/grpc-call.ts';
import { OrderRequest } from './orders.ts';

const Item = OrderRequest.properties.items.items;
type OrderStatusName = Static<typeof OrderStatusSchema>;

const Member = Type.Object({
  customerId: Uuid,
  name: Type.String(),
  items: Type.Array(
    Type.Object({ menuItemId: Uuid, quantity: Type.Integer(), options: Type.Array(Uuid) }),
  ),
  subtotalCents: Type.Integer({
    minimum: 0,
    description: 'The drinks at today’s prices; 0 when one can no longer be had.',
  }),
  orderId: Type.Optional(
    Type.String({ format: 'uuid', description: 'After submit: this member’s order.' }),
  ),
  orderStatus: Type.Optional(OrderStatusSchema),
});

const Round = Type.Object({
  id: Uuid,
  code: Type.String({
    pattern: '^[2-9A-HJKMNP-Z]{6}$',
    description: 'Six characters to say across the table; no 0/O or 1/I/L to mix up.',
  }),
  joinPath: Type.String({ description: 'The link to share: /rounds/join/{code} in the app.' }),
  starterId: Uuid,
  status: Type.Union([Type.Literal('open'), Type.Literal('submitted')]),
  payer: Type.Union([Type.Literal('each'), Type.Literal('starter')], {
    description: 'each: every member pays their own drinks; starter: the starter pays for all.',
  }),
  members: Type.Array(Member, { description: 'The starter first, then in the order they joined.' }),
  totalCents: Type.Integer({ minimum: 0 }),
  createdAt: Type.String({ format: 'date-time' }),
  submittedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
  503: ProblemSchema,
};

/**
 * What the document allows but the round cannot take: a code that cannot be one, a drink not on
 * the menu or unavailable (422 naming the field); what the round's state or the caller's place
 * in it does not allow, such as leaving as the starter or changing a submitted round (409).
 */
const roundRefusal: Refusal = (error) => {
  if (error.code === Status.INVALID_ARGUMENT)
    return new Problem(422, 'invalid-round-request', 'Not possible for a round', error.details, {
      extensions: { errors: [fieldError(error.details)] },
    });
  if (error.code === Status.FAILED_PRECONDITION) {
    if (/^items\[\d+\]/.test(error.details))
      return new Problem(422, 'item-unavailable', 'Item unavailable', error.details, {
        extensions: { errors: [fieldError(error.details)] },
      });
    return new Problem(409, 'round-conflict', 'Not possible in this round', error.details);
  }
  return undefined;
};

export function roundJson(round: roundV1.Round | undefined) {
  if (!round) throw new Error('the order service answered without a round');
  const members = round.members.map((member) => ({
    customerId: member.customerId,
    name: member.customerName,
    items: member.lines.map((line) => ({
      menuItemId: line.menuItemId,
      quantity: line.quantity,
      options: line.optionIds,
    })),
    subtotalCents: member.subtotalCents,
    ...(member.orderId ? { orderId: member.orderId } : {}),
    ...(member.orderStatus ? { orderStatus: member.orderStatus as OrderStatusName } : {}),
  }));
  return {
    id: round.id,
    code: round.code,
    joinPath: `/rounds/join/${round.code}`,
    starterId: round.starterId,
    status: round.status as 'open' | 'submitted',
    payer: round.payer as 'each' | 'starter',
    members,
    totalCents: members.reduce((sum, member) => sum + member.subtotalCents, 0),
    createdAt: (round.createdAt ?? new Date(0)).toISOString(),
    ...(round.submittedAt ? { submittedAt: round.submittedAt.toISOString() } : {}),
  };
}

/**
 * A submit the order service did not carry out: an unavailable drink is a 422 (change the
 * drink), a tab that would be refused a 409 (submit again `without` those members). Either
 * names the members, so the app can ask the starter.
 */
function notSubmitted(problems: roundV1.RoundProblem[]): Problem {
  const members = problems.map((problem) => ({
    customerId: problem.customerId,
    name: problem.customerName,
    reason:
      problem.kind === 'item_unavailable'
        ? ('item-unavailable' as const)
        : ('tab-refused' as const),
    ...(problem.menuItemId ? { menuItemId: problem.menuItemId } : {}),
    detail: problem.detail,
  }));
  const names = [...new Set(members.map((member) => member.name))].join(', ');
  if (members.some((member) => member.reason === 'item-unavailable'))
    return new Problem(
      422,
      'round-item-unavailable',
      'A drink of the round is unavailable',
      `Nothing was submitted: a drink of ${names} is unavailable.`,
      { extensions: { members } },
    );
  return new Problem(
    409,
    'round-tab-refused',
    'A tab would be refused',
    `Nothing was submitted: the tab of ${names} would be refused. Submit again with those members in "without" to go on without them.`,
    { extensions: { members } },
  );
}

/** The submit's refusals: a problem that also names the members, so the app can ask the starter. */
const RoundNotSubmitted = Type.Object(
  {
    ...ProblemSchema.properties,
    members: Type.Optional(
      Type.Array(
        Type.Object({
          customerId: Type.String({ format: 'uuid' }),
          name: Type.String(),
          reason: Type.Union([Type.Literal('item-unavailable'), Type.Literal('tab-refused')]),
          menuItemId: Type.Optional(Type.String({ format: 'uuid' })),
          detail: Type.String(),
        }),
        { description: 'Whose drink is unavailable or whose tab would be refused.' },
      ),
    ),
  },
  { description: 'RFC 9457 problem details of a round that was not submitted.' },
);

/** Rounds for the table: any signed-in customer starts or joins one; only members see it. */
export function roundRoutes(
  app: FastifyInstance,
  deps: { rounds: roundV1.RoundServiceClient; timeoutMs: number },
) {
  const { rounds, timeoutMs } = deps;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const IdParams = Type.Object({ id: Uuid });

  typed.post(
    '/v1/rounds',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Start a round for the table; share its code or link so others add their drinks',
        response: { 201: Round, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { round } = await callPeer(
        'order',
        rounds,
        'startRound',
        { customerId: principal.sub, customerName: principal.name },
        timeoutMs,
        roundRefusal,
      );
      const json = roundJson(round);
      return reply.code(201).header('location', `/v1/rounds/${json.id}`).send(json);
    },
  );

  typed.post(
    '/v1/rounds/join',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Join an open round with its code (joining again changes nothing)',
        body: Type.Object({
          code: Type.String({
            pattern: '^[ -]*(?:[2-9A-HJKMNP-Za-hjkmnp-z][ -]*){6}$',
            maxLength: 16,
            description:
              'As shared: six letters and digits; case, spaces and dashes do not matter.',
          }),
        }),
        response: { 200: Round, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { round } = await callPeer(
        'order',
        rounds,
        'joinRound',
        { code: request.body.code, customerId: principal.sub, customerName: principal.name },
        timeoutMs,
        roundRefusal,
      );
      return roundJson(round);
    },
  );

  typed.get(
    '/v1/rounds/:id',
    {
      schema: {
        tags: ['rounds'],
        summary: 'A round you are in, with everyone’s drinks (404 to anyone else)',
        params: IdParams,
        response: { 200: Round, ...errors },
      },
    },
    async (request) => {
      const { round } = await callPeer(
        'order',
        rounds,
        'getRound',
        { roundId: request.params.id, customerId: principalOf(request).sub },
        timeoutMs,
        roundRefusal,
      );
      return roundJson(round);
    },
  );

  typed.put(
    '/v1/rounds/:id/items',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Set your drinks in an open round (an empty list takes them all out)',
        params: IdParams,
        body: Type.Object({ items: Type.Array(Item, { maxItems: 20 }) }),
        response: { 200: Round, ...errors },
      },
    },
    async (request) => {
      const { round } = await callPeer(
        'order',
        rounds,
        'setRoundItems',
        {
          roundId: request.params.id,
          customerId: principalOf(request).sub,
          lines: request.body.items.map((item) => ({
            menuItemId: item.menuItemId,
            quantity: item.quantity,
            optionIds: item.options ?? [],
          })),
        },
        timeoutMs,
        roundRefusal,
      );
      return roundJson(round);
    },
  );

  typed.delete(
    '/v1/rounds/:id/members/me',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Leave an open round, with your drinks (the starter cancels instead)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await callPeer(
        'order',
        rounds,
        'leaveRound',
        { roundId: request.params.id, customerId: principalOf(request).sub },
        timeoutMs,
        roundRefusal,
      );
      return reply.code(204).send(null);
    },
  );

  typed.post(
    '/v1/rounds/:id/submit',
    {
      schema: {
        tags: ['rounds'],
        summary:
          'Submit the round (starter): each member’s drinks become their own order, all as one group for the barista',
        description:
          'Submitted at most once: submitting a submitted round answers with the same orders (a double tap or a retry places nothing twice), so no Idempotency-Key is needed. Nothing is submitted while a drink is unavailable (422 round-item-unavailable) or a tab would be refused (409 round-tab-refused); both name the members, and submitting again with them in `without` goes on without their drinks.',
        params: IdParams,
        body: Type.Object({
          payForEveryone: Type.Optional(
            Type.Boolean({ description: 'The starter pays for every drink of the round.' }),
          ),
          without: Type.Optional(
            Type.Array(Uuid, {
              maxItems: 20,
              uniqueItems: true,
              description: 'Members whose drinks are left out, as the starter agreed.',
            }),
          ),
        }),
        response: { 200: Round, ...errors, 409: RoundNotSubmitted, 422: RoundNotSubmitted },
      },
    },
    async (request) => {
      const { round, problems } = await callPeer(
        'order',
        rounds,
        'submitRound',
        {
          roundId: request.params.id,
          customerId: principalOf(request).sub,
          starterPays: request.body.payForEveryone ?? false,
          withoutCustomerIds: request.body.without ?? [],
        },
        timeoutMs,
        roundRefusal,
      );
      if (problems.length > 0) throw notSubmitted(problems);
      return roundJson(round);
    },
  );

  typed.delete(
    '/v1/rounds/:id',
    {
      schema: {
        tags: ['rounds'],
        summary: 'Cancel an open round (starter): it is deleted and nothing of it is ordered',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await callPeer(
        'order',
        rounds,
        'cancelRound',
        { roundId: request.params.id, customerId: principalOf(request).sub },
        timeoutMs,
        roundRefusal,
      );
      return reply.code(204).send(null);
    },
  );
}
