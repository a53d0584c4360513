import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { pushV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { principalOf } from '../auth/tokens.ts';
import { Problem as ProblemSchema, Text } from '../schemas.ts';
import { Problem } from '../problem.ts';
import { callPeer, fieldError, type Refusal } from '../upstream/grpc-call.ts';

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  404: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
  503: ProblemSchema,
};

/** A base64url value of a browser's PushSubscription: `bytes` long once decoded. */
const Base64Url = (bytes: number, description: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9_-]+={0,2}$',
    minLength: Math.ceil((bytes * 4) / 3),
    maxLength: Math.ceil(bytes / 3) * 4,
    description,
  });

/**
 * What the document cannot say about a subscription it allows (an https origin that is not a
 * push service, a key that is not a point on the curve) is a 422 naming the field.
 */
const subscriptionRefusal: Refusal = (error) =>
  error.code === Status.INVALID_ARGUMENT
    ? new Problem(422, 'push-subscription-refused', 'Push subscription refused', error.details, {
        extensions: { errors: [fieldError(error.details)] },
      })
    : undefined;

/** Web Push: the server's VAPID key for the browser, and the browsers a customer subscribed. */
export function pushRoutes(
  app: FastifyInstance,
  deps: {
    push: pushV1.PushServiceClient;
    /** The signed-in check of the rest of the API: subscriptions belong to a customer. */
    signedIn: onRequestAsyncHookHandler;
    timeoutMs: number;
  },
) {
  const { push, signedIn, timeoutMs } = deps;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/v1/push/vapid-public-key',
    {
      schema: {
        tags: ['push'],
        summary: 'The application server key a service worker subscribes with (VAPID, RFC 8292)',
        security: [],
        response: { 200: Type.Object({ publicKey: Type.String() }), ...errors },
      },
    },
    async () => ({
      publicKey: (await callPeer('customer', push, 'getVapidPublicKey', {}, timeoutMs)).publicKey,
    }),
  );

  typed.post(
    '/v1/push/subscriptions',
    {
      onRequest: signedIn,
      schema: {
        tags: ['push'],
        summary:
          "Notify this browser when your order is accepted, declined or ready: the browser's PushSubscription JSON",
        body: Type.Object({
          endpoint: Text({
            minLength: 1,
            maxLength: 2_000,
            pattern: '^https://[^\\u0000]*$',
            description: 'https, on a known push service (another origin is a 422).',
          }),
          expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
          keys: Type.Object({
            p256dh: Base64Url(65, "The browser's P-256 public key."),
            auth: Base64Url(16, "The browser's 16-byte authentication secret."),
          }),
        }),
        response: { 201: Type.Object({ endpoint: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      await callPeer(
        'customer',
        push,
        'savePushSubscription',
        {
          customerId: principalOf(request).sub,
          endpoint: request.body.endpoint,
          p256dh: request.body.keys.p256dh,
          auth: request.body.keys.auth,
        },
        timeoutMs,
        subscriptionRefusal,
      );
      return reply.code(201).send({ endpoint: request.body.endpoint });
    },
  );

  typed.delete(
    '/v1/push/subscriptions',
    {
      onRequest: signedIn,
      schema: {
        tags: ['push'],
        summary: 'Stop notifying this browser',
        body: Type.Object({ endpoint: Text({ minLength: 1, maxLength: 2_000 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await callPeer(
        'customer',
        push,
        'deletePushSubscription',
        { customerId: principalOf(request).sub, endpoint: request.body.endpoint },
        timeoutMs,
      );
      return reply.code(204).send(null);
    },
  );
}
