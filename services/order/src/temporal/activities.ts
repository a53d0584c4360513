import { ApplicationFailure } from '@temporalio/activity';
import { customerV1 } from '@everything/contracts';
import { callUnary, isServiceError, Status } from '@everything/grpc';
import type { OrderStatus } from '../orders/order.ts';
import type { OrderRepository } from '../orders/order-repository.ts';

export interface OrderActivities {
  /** Puts the order on the customer's tab; `ok: false` when the customer service refuses it. */
  chargeTab(
    customerId: string,
    orderId: string,
    amountCents: number,
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
  refundTab(customerId: string, orderId: string): Promise<void>;
  /** Writes the transition and its outbox event in one transaction; safe to retry. */
  recordTransition(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    reason?: string,
  ): Promise<void>;
}

/** The workflow's I/O. Every activity is idempotent, because Temporal retries them. */
export function createActivities(deps: {
  orders: OrderRepository;
  customers: customerV1.CustomerServiceClient;
  timeoutMs: number;
}): OrderActivities {
  const { orders, customers, timeoutMs } = deps;
  return {
    async chargeTab(customerId, orderId, amountCents) {
      try {
        await callUnary(customers, 'chargeTab', { customerId, orderId, amountCents }, timeoutMs);
        return { ok: true };
      } catch (error) {
        // A refusal is an answer, not a failure to retry: the tab limit or an unknown customer.
        if (
          isServiceError(error) &&
          (error.code === Status.FAILED_PRECONDITION || error.code === Status.NOT_FOUND)
        ) {
          return { ok: false, reason: error.details };
        }
        throw error;
      }
    },
    async refundTab(customerId, orderId) {
      await callUnary(customers, 'refundTab', { customerId, orderId }, timeoutMs);
    },
    async recordTransition(orderId, from, to, reason) {
      try {
        await orders.transition(orderId, from, to, reason);
      } catch (error) {
        if (error instanceof Error && /is \w+, not/.test(error.message)) {
          throw ApplicationFailure.nonRetryable(error.message, 'TransitionConflict');
        }
        throw error;
      }
    },
  };
}
