import { customerV1 } from '@everything/contracts';
import { GrpcError, Status, unary, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { isCustomerId } from '../customers/customer.ts';
import type { CustomerRepository } from '../customers/customer-repository.ts';

export function customerService(
  customers: CustomerRepository,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): customerV1.CustomerServiceServer {
  return {
    getCustomer: unary(
      logger,
      async ({ id }) => {
        if (!isCustomerId(id)) throw new GrpcError(Status.INVALID_ARGUMENT, 'id: must be a UUID');
        guard();
        const customer = await customers.findById(id);
        if (!customer) throw new GrpcError(Status.NOT_FOUND, `no customer has id ${id}`);
        return {
          customer: {
            id: customer.id,
            email: customer.email,
            displayName: customer.displayName,
            createdAt: customer.createdAt,
          },
        };
      },
      classify,
    ),
  };
}
