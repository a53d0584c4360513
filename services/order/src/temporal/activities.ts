import { ApplicationFailure } from '@temporalio/activity';
import type { customerV1 } from '@everything/contracts';
import { callUnary, isServiceError, Status } from '@everything/grpc';
import type { CustomerNotification, OrderStatus } from '../orders/order.ts';
import type { OrderRepository } from '../orders/order-repository.ts';

export type Refusable = { ok: true } | { ok: false; reason: string };

export interface OrderActivities {
  /** Puts the order on the customer's tab; `ok: false` when the customer service refuses it. */
  chargeTab(customerId: string, orderId: string, amountCents: number): Promise<Refusable>;
  refundTab(customerId: string, orderId: string): Promise<void>;
  /** Takes loyalty points for a free drink; `ok: false` when the customer has too few. */
  redeemPoints(customerId: string, orderId: string, points: number): Promise<Refusable>;
  restorePoints(customerId: string, orderId: string): Promise<void>;
  /** Writes the transition and its outbox event in one transaction; safe to retry. */
  recordTransition(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    reason?: string,
  ): Promise<void>;
  /** Tells the customer (an `order.customer_notified` event) what just happened; safe to retry. */
  notifyCustomer(orderId: string, about: CustomerNotification): Promise<void>;
}

/** A refusal is an answer, not a failure to retry: the tab limit, too few points, an unknown customer. */
async function refusable(call: () => Promise<unknown>): Promise<Refusable> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    if (
      isServiceError(error) &&
      (error.code === Status.FAILED_PRECONDITION || error.code === Status.NOT_FOUND)
    ) {
      return { ok: false, reason: error.details };
    }
    throw error;
  }
}

/** The workflow's I/O. Every activity is idempotent, because Temporal retries them. */
export function createActivities(deps: {
  orders: OrderRepository;
  customers: customerV1.CustomerServiceClient;
  timeoutMs: number;
  /** Told of every cancellation once it is recorded, such as to fail the schedule run that placed it. */
  onCancelled?: (orderId: string, reason: string | undefined) => Promise<void>;
}): OrderActivities {
  const { orders, customers, timeoutMs, onCancelled } = deps;
  return {
    chargeTab: (customerId, orderId, amountCents) =>
      refusable(() =>
        callUnary(customers, 'chargeTab', { customerId, orderId, amountCents }, timeoutMs),
      ),
    async refundTab(customerId, orderId) {
      await callUnary(customers, 'refundTab', { customerId, orderId }, timeoutMs);
    },
    redeemPoints: (customerId, orderId, points) =>
      refusable(() =>
        callUnary(customers, 'redeemPoints', { customerId, orderId, points }, timeoutMs),
      ),
    async restorePoints(customerId, orderId) {
      await callUnary(customers, 'restorePoints', { customerId, orderId }, timeoutMs);
    },
    async recordTransition(orderId, from, to, reason) {
      try {
        await orders.transition(orderId, from, to, reason);
        if (to === 'cancelled') await onCancelled?.(orderId, reason);
      } catch (error) {
        if (error instanceof Error && /is \w+, not/.test(error.message)) {
          throw ApplicationFailure.nonRetryable(error.message, 'TransitionConflict');
        }
        throw error;
      }
    },
    async notifyCustomer(orderId, about) {
      await orders.notifyCustomer(orderId, about);
    },
  };
}
