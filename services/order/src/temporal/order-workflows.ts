import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InvalidTransitionError, type OrderAction, type OrderStatus } from '../orders/order.ts';
import { WorkflowMissingError, type OrderWorkflows } from '../orders/ordering.ts';
import {
  actionUpdates,
  INVALID_TRANSITION,
  type ActionInput,
  type OrderWorkflowInput,
} from '../workflows/definitions.ts';
import type { orderWorkflow } from '../workflows/order-workflow.ts';

export const workflowIdOf = (orderId: string) => `order-${orderId}`;

/** One actor's key for one action: another action, or another actor, with the same key is a new request. */
const updateIdOf = (action: OrderAction, actorId: string, requestId: string) =>
  `${action}:${actorId}:${requestId}`;

/** The order workflows as Temporal runs them: one workflow per order, acted on through Updates. */
export function temporalOrderWorkflows(
  client: Client,
  taskQueue: string,
  currentStatus: (orderId: string) => Promise<OrderStatus | undefined>,
): OrderWorkflows {
  const startOptions = (input: OrderWorkflowInput) => ({
    taskQueue,
    workflowId: workflowIdOf(input.orderId),
    args: [input] as [OrderWorkflowInput],
  });
  return {
    async start(input: OrderWorkflowInput) {
      // Starting an order that already has a workflow (a retried PlaceOrder) attaches to it.
      await client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
        ...startOptions(input),
        workflowIdConflictPolicy: 'USE_EXISTING',
        // The first workflow task comes back in the start's answer to this process's worker
        // (they share the connection), instead of a round through the server's task queue.
        requestEagerStart: true,
      });
    },
    async startIfNotRunning(input: OrderWorkflowInput) {
      try {
        await client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
          ...startOptions(input),
          workflowIdConflictPolicy: 'FAIL',
        });
        return true;
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      }
    },
    async act(
      orderId: string,
      action: OrderAction,
      input: ActionInput,
      requestId?: string,
    ): Promise<OrderStatus> {
      try {
        return await client.workflow
          .getHandle(workflowIdOf(orderId))
          .executeUpdate(actionUpdates[action], {
            args: [input],
            // Temporal deduplicates Updates by id within the workflow: a retry of an applied
            // action gets the first outcome back, instead of being validated against the new state.
            ...(requestId ? { updateId: updateIdOf(action, input.actorId, requestId) } : {}),
          });
      } catch (error) {
        if (
          error instanceof WorkflowUpdateFailedError &&
          error.cause instanceof ApplicationFailure &&
          error.cause.type === INVALID_TRANSITION
        ) {
          throw new InvalidTransitionError(action, error.cause.details?.[0] as OrderStatus);
        }
        // A finished workflow takes no more actions: answer with the state it ended in.
        const finished =
          error instanceof WorkflowNotFoundError ||
          (error instanceof Error && /already completed/i.test(error.message));
        const status = finished ? await currentStatus(orderId) : undefined;
        // Stored but never started (the start failed after the insert committed).
        if (status === 'placed' && error instanceof WorkflowNotFoundError)
          throw new WorkflowMissingError(orderId);
        if (status) throw new InvalidTransitionError(action, status);
        throw error;
      }
    },
  };
}
