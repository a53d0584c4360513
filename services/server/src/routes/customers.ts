import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { customerV1 } from '@everything/contracts';
import { hasRole, principalOf } from '../auth/tokens.ts';
import { Problem } from '../problem.ts';
import { Customer, Problem as ProblemSchema, Role, Uuid } from '../schemas.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import { customerJson, wireRole } from '../upstream/convert.ts';

export function customerRoutes(
  app: FastifyInstance,
  customers: customerV1.CustomerServiceClient,
  timeoutMs: number,
) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = {
    400: ProblemSchema,
    401: ProblemSchema,
    403: ProblemSchema,
    404: ProblemSchema,
    429: ProblemSchema,
    503: ProblemSchema,
  };

  typed.get(
    '/v1/customers/me',
    {
      schema: {
        tags: ['customers'],
        summary: 'Your profile, tab balance, loyalty points and stats',
        response: { 200: Customer, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return customerJson(
        (await callPeer('customer', customers, 'getCustomer', { id: principal.sub }, timeoutMs))
          .customer,
      );
    },
  );

  typed.put(
    '/v1/customers/:id/role',
    {
      schema: {
        tags: ['customers'],
        summary: 'Grant or withdraw the barista or admin role (admin)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ role: Role }),
        response: { 200: Customer, ...errors },
      },
    },
    async (request) => {
      if (!hasRole(principalOf(request), 'admin')) {
        throw new Problem(403, 'forbidden', 'Forbidden', 'This needs the admin role.');
      }
      const { customer } = await callPeer(
        'customer',
        customers,
        'setRole',
        { id: request.params.id, role: wireRole(request.body.role) },
        timeoutMs,
      );
      return customerJson(customer);
    },
  );
}
