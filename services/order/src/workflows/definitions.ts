// What callers of the order workflow share with it: its input, its Updates and Query. Kept apart
// from the workflow so the service's own code never loads workflow code outside the sandbox.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { OrderAction, OrderStatus } from '../orders/order.ts';

export interface OrderWorkflowInput {
  orderId: string;
  customerId: string;
  totalCents: number;
  /** Loyalty points the order pays with (a free drink); 0 for none. */
  pointsToRedeem: number;
  /** Epoch milliseconds: a placed order not accepted by then is cancelled and refunded. */
  acceptBy: number;
  /** How long a ready order waits for pickup before it expires. */
  pickupTimeoutMs: number;
  /**
   * Whose tab is charged and refunded when not the customer's: a round's starter paying for
   * everyone. Absent in every order before rounds, so their histories replay unchanged.
   */
  payerId?: string;
}

export interface ActionInput {
  actorId: string;
  reason?: string;
}

export const actionUpdates: Record<OrderAction, UpdateDefinition<OrderStatus, [ActionInput]>> = {
  accept: defineUpdate<OrderStatus, [ActionInput]>('accept'),
  decline: defineUpdate<OrderStatus, [ActionInput]>('decline'),
  cancel: defineUpdate<OrderStatus, [ActionInput]>('cancel'),
  markReady: defineUpdate<OrderStatus, [ActionInput]>('markReady'),
  pickUp: defineUpdate<OrderStatus, [ActionInput]>('pickUp'),
};

export const statusQuery = defineQuery<OrderStatus>('status');

export const INVALID_TRANSITION = 'InvalidTransition';
