import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { scheduleV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { holdsRole, principalOf } from '../auth/tokens.ts';
import { Problem } from '../problem.ts';
import { Problem as ProblemSchema, Text, Uuid } from '../schemas.ts';
import { callPeer, fieldError, type Refusal } from '../upstream/grpc-call.ts';
import { actionKeyDigest, OrderRequest } from './orders.ts';

const Weekday = Type.Union([
  Type.Literal('mon'),
  Type.Literal('tue'),
  Type.Literal('wed'),
  Type.Literal('thu'),
  Type.Literal('fri'),
  Type.Literal('sat'),
  Type.Literal('sun'),
]);
type WeekdayName = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

const ScheduleRequest = Type.Object({
  items: OrderRequest.properties.items,
  redeemFreeDrink: OrderRequest.properties.redeemFreeDrink,
  timeZone: Text({
    minLength: 1,
    maxLength: 64,
    description: 'IANA time zone of `time`, such as Europe/Berlin.',
  }),
  at: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'A one-off: when the drink should be ready. Less than a minute away, it is placed at once.',
    }),
  ),
  time: Type.Optional(
    Type.String({
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      description: 'A repeating schedule: "HH:MM" local time, with `days`.',
    }),
  ),
  days: Type.Optional(Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true })),
});

const Schedule = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('one-off'), Type.Literal('repeating')]),
  items: Type.Array(
    Type.Object({ menuItemId: Uuid, quantity: Type.Integer(), options: Type.Array(Type.String()) }),
  ),
  redeemFreeDrink: Type.Boolean(),
  timeZone: Type.String(),
  at: Type.Optional(Type.String({ format: 'date-time' })),
  time: Type.Optional(Type.String()),
  days: Type.Optional(Type.Array(Weekday)),
  paused: Type.Boolean(),
  nextRunAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the next drink should be ready; null when paused or nothing is left to run.',
  }),
  nextPlaceAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description:
      "When the next order will be placed: early enough, at the barista's current pace, to be ready at nextRunAt.",
  }),
  createdAt: Type.String({ format: 'date-time' }),
  placedOrderId: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'A one-off less than a minute away: the order placed at once.',
    }),
  ),
});

const Run = Type.Object({
  key: Type.String({ description: 'The local date of the run, or "once" for a one-off.' }),
  dueAt: Type.String({ format: 'date-time' }),
  outcome: Type.Union([Type.Literal('placed'), Type.Literal('skipped'), Type.Literal('failed')]),
  reason: Type.Optional(
    Type.String({
      description:
        'Why it was skipped or failed: "item unavailable: …", "not enough tab: …", "café closed: …", "skipped by the customer", "missed: …".',
    }),
  ),
  orderId: Type.Optional(Uuid),
  recordedAt: Type.String({ format: 'date-time' }),
});

const UpcomingRun = Type.Object({
  scheduleId: Uuid,
  customerName: Type.String(),
  items: Type.Array(
    Type.Object({ menuItemId: Uuid, name: Type.String(), quantity: Type.Integer() }),
  ),
  dueAt: Type.String({ format: 'date-time' }),
  placeAt: Type.String({ format: 'date-time' }),
});

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
  503: ProblemSchema,
};

/**
 * What the document cannot say about a schedule it allows (a time zone that does not exist, `at`
 * beside `time`, a moment past, a drink not on the menu) is a 422 naming the field, as an order
 * of something not on the menu is. One more than the twenty a customer may have still to run is a
 * 409.
 */
const scheduleRefusal: Refusal = (error) => {
  if (error.code === Status.INVALID_ARGUMENT)
    return new Problem(422, 'invalid-schedule', 'Not a schedule', error.details, {
      extensions: { errors: [fieldError(error.details)] },
    });
  if (error.code === Status.FAILED_PRECONDITION && error.details.startsWith('too many schedules'))
    return new Problem(409, 'too-many-schedules', 'Too many schedules', error.details);
  return undefined;
};

const iso = (date: Date | undefined) => (date ? date.toISOString() : null);

export function scheduleJson(schedule: scheduleV1.Schedule | undefined) {
  if (!schedule) throw new Error('the order service answered without a schedule');
  return {
    id: schedule.id,
    kind: schedule.at ? ('one-off' as const) : ('repeating' as const),
    items: schedule.lines.map((line) => ({
      menuItemId: line.menuItemId,
      quantity: line.quantity,
      options: line.optionIds,
    })),
    redeemFreeDrink: schedule.redeemFreeDrink,
    timeZone: schedule.timeZone,
    ...(schedule.at
      ? { at: schedule.at.toISOString() }
      : { time: schedule.time, days: schedule.days as WeekdayName[] }),
    paused: schedule.paused,
    nextRunAt: iso(schedule.nextRunAt),
    nextPlaceAt: iso(schedule.nextPlaceAt),
    createdAt: (schedule.createdAt ?? new Date(0)).toISOString(),
  };
}

const runJson = (run: scheduleV1.ScheduleRun) => ({
  key: run.key,
  dueAt: (run.dueAt ?? new Date(0)).toISOString(),
  outcome: run.outcome as 'placed' | 'skipped' | 'failed',
  ...(run.reason ? { reason: run.reason } : {}),
  ...(run.orderId ? { orderId: run.orderId } : {}),
  recordedAt: (run.recordedAt ?? new Date(0)).toISOString(),
});

/** Scheduled orders: each customer's own, and what the barista can expect within the hour. */
export function scheduleRoutes(
  app: FastifyInstance,
  deps: { schedules: scheduleV1.ScheduleServiceClient; timeoutMs: number },
) {
  const { schedules, timeoutMs } = deps;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const IdParams = Type.Object({ id: Uuid });

  typed.post(
    '/v1/schedules',
    {
      schema: {
        tags: ['schedules'],
        summary:
          'Schedule an order: a one-off (`at`) or repeating (`time` on `days`) in your time zone',
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Text({
              minLength: 1,
              maxLength: 255,
              description:
                'Optional. A retry with the same key gets the schedule the first request made (and the order it placed), not a second one.',
            }),
          ),
        }),
        body: ScheduleRequest,
        response: { 201: Schedule, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { body } = request;
      const { schedule, placedOrderId } = await callPeer(
        'order',
        schedules,
        'createSchedule',
        {
          customerId: principal.sub,
          customerName: principal.name,
          lines: body.items.map((item) => ({
            menuItemId: item.menuItemId,
            quantity: item.quantity,
            optionIds: item.options ?? [],
          })),
          redeemFreeDrink: body.redeemFreeDrink ?? false,
          timeZone: body.timeZone,
          at: body.at === undefined ? undefined : new Date(body.at),
          time: body.time ?? '',
          days: body.days ?? [],
          idempotencyKey: actionKeyDigest(request.headers['idempotency-key']),
        },
        timeoutMs,
        scheduleRefusal,
      );
      const json = scheduleJson(schedule);
      return reply
        .code(201)
        .header('location', `/v1/schedules/${json.id}`)
        .send({ ...json, ...(placedOrderId ? { placedOrderId } : {}) });
    },
  );

  typed.get(
    '/v1/schedules',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Your schedules, with each one’s next run',
        response: { 200: Type.Object({ schedules: Type.Array(Schedule) }), ...errors },
      },
    },
    async (request) => {
      const { schedules: found } = await callPeer(
        'order',
        schedules,
        'listSchedules',
        { customerId: principalOf(request).sub },
        timeoutMs,
      );
      return { schedules: found.map(scheduleJson) };
    },
  );

  typed.get(
    '/v1/schedules/upcoming',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Scheduled orders due within the next hour, soonest first (barista)',
        querystring: Type.Object({
          withinMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_440, default: 60 })),
        }),
        response: { 200: Type.Object({ runs: Type.Array(UpcomingRun) }), ...errors },
      },
    },
    async (request) => {
      if (!(await holdsRole(request, 'barista')))
        throw new Problem(403, 'forbidden', 'Forbidden', 'This needs the barista role.');
      const { runs } = await callPeer(
        'order',
        schedules,
        'listUpcomingRuns',
        { withinMinutes: request.query.withinMinutes ?? 60 },
        timeoutMs,
      );
      return {
        runs: runs.map((run) => ({
          scheduleId: run.scheduleId,
          customerName: run.customerName,
          items: run.lines,
          dueAt: (run.dueAt ?? new Date(0)).toISOString(),
          placeAt: (run.placeAt ?? new Date(0)).toISOString(),
        })),
      };
    },
  );

  typed.delete(
    '/v1/schedules/:id',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Delete one of your schedules; runs already placed stay placed',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await callPeer(
        'order',
        schedules,
        'deleteSchedule',
        { scheduleId: request.params.id, customerId: principalOf(request).sub },
        timeoutMs,
      );
      return reply.code(204).send(null);
    },
  );

  const changes = [
    { path: 'pause', method: 'pauseSchedule', summary: 'Pause a schedule: no runs until resumed' },
    {
      path: 'resume',
      method: 'resumeSchedule',
      summary: 'Resume a paused schedule from its next run; runs during the pause stay unplaced',
    },
    {
      path: 'skip-next',
      method: 'skipNextRun',
      summary: 'Skip the next run (recorded as skipped); the one after it becomes the next',
    },
  ] as const;
  for (const change of changes) {
    typed.post(
      `/v1/schedules/:id/${change.path}`,
      {
        schema: {
          tags: ['schedules'],
          summary: change.summary,
          params: IdParams,
          response: { 200: Schedule, ...errors },
        },
      },
      async (request) => {
        const { schedule } = await callPeer(
          'order',
          schedules,
          change.method,
          { scheduleId: request.params.id, customerId: principalOf(request).sub },
          timeoutMs,
        );
        return scheduleJson(schedule);
      },
    );
  }

  typed.get(
    '/v1/schedules/:id/runs',
    {
      schema: {
        tags: ['schedules'],
        summary: 'What happened to a schedule’s past runs, newest first',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: { 200: Type.Object({ runs: Type.Array(Run) }), ...errors },
      },
    },
    async (request) => {
      const { runs } = await callPeer(
        'order',
        schedules,
        'listScheduleRuns',
        {
          scheduleId: request.params.id,
          customerId: principalOf(request).sub,
          limit: request.query.limit ?? 50,
        },
        timeoutMs,
      );
      return { runs: runs.map(runJson) };
    },
  );
}
