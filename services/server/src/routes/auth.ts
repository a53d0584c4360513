import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { customerV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { verifyRefreshToken } from '../auth/tokens.ts';
import { Problem } from '../problem.ts';
import { Email, NonBlankText, Problem as ProblemSchema, Text, Tokens } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import { roleOf } from '../upstream/convert.ts';

const Credentials = Type.Object({
  email: Email,
  password: Text({ minLength: 8, maxLength: 256 }),
});

/** POST /v1/auth/register, /login, /refresh: the customer service checks credentials; the server issues tokens. */
export function authRoutes(
  app: FastifyInstance,
  customers: customerV1.CustomerServiceClient,
  options: { timeoutMs: number; rateLimitPerMinute: number },
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
  const tokensFor = (customer: customerV1.Customer | undefined) => {
    if (!customer) throw new Error('the customer service answered without a customer');
    return app.issueTokens({
      sub: customer.id,
      role: roleOf(customer.role),
      name: customer.displayName,
    });
  };

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
      return reply.code(201).send(tokensFor(customer));
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
      return tokensFor(customer);
    },
  );

  typed.post(
    '/v1/auth/refresh',
    {
      config,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens, with the current role',
        security: [],
        body: Type.Object({ refreshToken: Text({ minLength: 1, maxLength: 4096 }) }),
        response: { 200: Tokens, ...errors },
      },
    },
    async (request) => {
      const principal = verifyRefreshToken(app, request.body.refreshToken);
      // The role is read again: a promotion or demotion takes effect at the next refresh.
      const { customer } = await callPeer(
        'customer',
        customers,
        'getCustomer',
        { id: principal.sub },
        options.timeoutMs,
        (error) =>
          error.code === Status.NOT_FOUND
            ? new Problem(
                401,
                'unauthenticated',
                'Unauthenticated',
                'The account no longer exists.',
              )
            : undefined,
      );
      return tokensFor(customer);
    },
  );
}
