import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { customerV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { Problem } from '../problem.ts';
import { Email, NonBlankText, Problem as ProblemSchema, Text, Tokens } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import { roleOf } from '../upstream/convert.ts';

const Credentials = Type.Object({
  email: Email,
  password: Text({ minLength: 8, maxLength: 256 }),
});

// Declared as Text: a token holding U+0000 is refused as a 400 naming the field, and the document says so.
const RefreshToken = Text({ minLength: 1, maxLength: 512 });

/**
 * POST /v1/auth/register, /login, /refresh, /logout: the customer service checks credentials
 * and keeps the sessions; the server issues the access tokens.
 */
export function authRoutes(
  app: FastifyInstance,
  customers: customerV1.CustomerServiceClient,
  options: { timeoutMs: number; rateLimitPerMinute: number; sessionTtlSeconds: number },
) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { rateLimit: { max: options.rateLimitPerMinute, timeWindow: '1 minute' } };
  const errors = {
    400: ProblemSchema,
    401: ProblemSchema,
    409: ProblemSchema,
    429: ProblemSchema,
    503: ProblemSchema,
  };
  const tokensFor = (
    customer: customerV1.Customer | undefined,
    session: customerV1.Session | undefined,
  ) => {
    if (!customer || !session) throw new Error('the customer service answered without a session');
    return app.issueTokens(
      { sub: customer.id, role: roleOf(customer.role), name: customer.displayName },
      session,
    );
  };
  /** Signs the customer in: a new session, whose first refresh token comes with the tokens. */
  const signIn = async (customer: customerV1.Customer | undefined) => {
    if (!customer) throw new Error('the customer service answered without a customer');
    const { session } = await callPeer(
      'customer',
      customers,
      'startSession',
      { customerId: customer.id, ttlSeconds: options.sessionTtlSeconds },
      options.timeoutMs,
    );
    return tokensFor(customer, session);
  };
  const sessionEnded = () =>
    new Problem(
      401,
      'unauthenticated',
      'Unauthenticated',
      'The refresh token is invalid, expired, already used or signed out; sign in again.',
    );

  typed.post(
    '/v1/auth/register',
    {
      config,
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in',
        security: [],
        body: Type.Intersect([
          Credentials,
          Type.Object({ displayName: NonBlankText({ minLength: 1, maxLength: 80 }) }),
        ]),
        response: { 201: Tokens, ...errors },
      },
    },
    async (request, reply) => {
      const { customer } = await callPeer(
        'customer',
        customers,
        'registerCustomer',
        request.body,
        options.timeoutMs,
        (error) =>
          error.code === Status.ALREADY_EXISTS
            ? new Problem(
                409,
                'email-taken',
                'Email taken',
                'An account with this email exists; sign in instead.',
              )
            : undefined,
      );
      return reply.code(201).send(await signIn(customer));
    },
  );

  typed.post(
    '/v1/auth/login',
    {
      config,
      schema: {
        tags: ['auth'],
        summary: 'Sign in',
        security: [],
        body: Credentials,
        response: { 200: Tokens, ...errors },
      },
    },
    async (request) => {
      const { customer } = await callPeer(
        'customer',
        customers,
        'verifyCredentials',
        request.body,
        options.timeoutMs,
        (error) =>
          error.code === Status.UNAUTHENTICATED
            ? new Problem(
                401,
                'invalid-credentials',
                'Invalid credentials',
                'Wrong email or password.',
              )
            : undefined,
      );
      return signIn(customer);
    },
  );

  typed.post(
    '/v1/auth/refresh',
    {
      config,
      schema: {
        tags: ['auth'],
        summary:
          'Exchange a refresh token for new tokens, with the current role. The refresh token is spent: presenting it again signs its session out.',
        security: [],
        body: Type.Object({ refreshToken: RefreshToken }),
        response: { 200: Tokens, ...errors },
      },
    },
    async (request) => {
      const { customer, session } = await callPeer(
        'customer',
        customers,
        'refreshSession',
        { refreshToken: request.body.refreshToken },
        options.timeoutMs,
        (error) => (error.code === Status.UNAUTHENTICATED ? sessionEnded() : undefined),
      );
      return tokensFor(customer, session);
    },
  );

  typed.post(
    '/v1/auth/logout',
    {
      config,
      schema: {
        tags: ['auth'],
        summary:
          'Sign out: the refresh token and every token of its session stop working. An unknown or ended token is not an error.',
        security: [],
        body: Type.Object({ refreshToken: RefreshToken }),
        response: { 204: Type.Null(), 400: ProblemSchema, 429: ProblemSchema, 503: ProblemSchema },
      },
    },
    async (request, reply) => {
      await callPeer(
        'customer',
        customers,
        'endSession',
        { refreshToken: request.body.refreshToken },
        options.timeoutMs,
      );
      return reply.code(204).send(null);
    },
  );
}
