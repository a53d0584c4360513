// One workflow per order: it decides every transition and only orchestrates. It must stay
// deterministic, so it imports nothing but @temporalio/workflow and plain data; activities
// (../temporal/activities.ts) do all I/O.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { OrderActivities } from '../temporal/activities.ts';
import { transitions, type OrderAction, type OrderStatus } from '../orders/order.ts';
import {
  actionUpdates,
  INVALID_TRANSITION,
  statusQuery,
  type ActionInput,
  type OrderWorkflowInput,
} from './definitions.ts';

export type { OrderWorkflowInput } from './definitions.ts';

const { chargeTab, refundTab, redeemPoints, restorePoints, recordTransition } =
  proxyActivities<OrderActivities>({
    startToCloseTimeout: '10 seconds',
    // Retried until the customer service and the database answer; only a refused charge is final.
    retry: {
      initialInterval: '1 second',
      maximumInterval: '30 seconds',
      nonRetryableErrorTypes: ['TabRefused'],
    },
  });

interface Pending {
  action: OrderAction;
  input: ActionInput;
  outcome?: { status: OrderStatus } | { rejected: OrderStatus };
}

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderStatus> {
  // Widened on purpose: handlers change it between awaits, which the compiler cannot see.
  let status = 'placed' as OrderStatus;
  const pending: Pending[] = [];

  // An action is an Update, so its caller learns whether it was applied. The validator refuses
  // what does not fit the current state before anything is written; an action that becomes
  // invalid while queued (the timeout won the race) is refused when its turn comes.
  for (const action of Object.keys(actionUpdates) as OrderAction[]) {
    setHandler<OrderStatus, [ActionInput], UpdateDefinition<OrderStatus, [ActionInput]>>(
      actionUpdates[action],
      async (actionInput: ActionInput) => {
        const request: Pending = { action, input: actionInput };
        pending.push(request);
        await condition(() => request.outcome !== undefined);
        const outcome = request.outcome as NonNullable<Pending['outcome']>;
        if ('rejected' in outcome) throw refusal(action, outcome.rejected);
        return outcome.status;
      },
      {
        validator: () => {
          if (transitions[action].from !== status) throw refusal(action, status);
        },
      },
    );
  }
  setHandler(statusQuery, () => status);

  const move = async (to: OrderStatus, reason?: string) => {
    await recordTransition(input.orderId, status, to, reason);
    status = to;
  };
  // Compensation: whatever the order took is given back, each exactly once (the ledgers are per order).
  const cancel = async (reason: string) => {
    await move('cancelled', reason);
    await refundTab(input.customerId, input.orderId);
    if (input.pointsToRedeem > 0) await restorePoints(input.customerId, input.orderId);
  };
  const handle = async (request: Pending) => {
    const { from, to } = transitions[request.action];
    if (from !== status) {
      request.outcome = { rejected: status };
      return;
    }
    if (to === 'cancelled') {
      await cancel(
        request.input.reason ??
          (request.action === 'decline' ? 'declined by the barista' : 'cancelled by the customer'),
      );
    } else {
      await move(to);
    }
    request.outcome = { status };
  };
  const nextRequest = async (timeoutMs?: number): Promise<Pending | undefined> => {
    if (timeoutMs === undefined) await condition(() => pending.length > 0);
    else if (!(await condition(() => pending.length > 0, Math.max(timeoutMs, 0)))) return undefined;
    return pending.shift();
  };

  const redeemed =
    input.pointsToRedeem > 0
      ? await redeemPoints(input.customerId, input.orderId, input.pointsToRedeem)
      : { ok: true as const };
  if (!redeemed.ok) {
    await move('cancelled', `not paid with points: ${redeemed.reason}`);
  } else if (input.totalCents > 0) {
    const charged = await chargeTab(input.customerId, input.orderId, input.totalCents);
    if (!charged.ok) await cancel(`not charged: ${charged.reason}`);
  }

  while (status === 'placed') {
    const request = await nextRequest(input.acceptBy - Date.now());
    if (request) await handle(request);
    else await cancel('not accepted in time');
  }
  while (status === 'accepted') {
    const request = await nextRequest();
    if (request) await handle(request);
  }
  const pickupBy = Date.now() + input.pickupTimeoutMs;
  while (status === 'ready') {
    const request = await nextRequest(pickupBy - Date.now());
    // Policy: an expired order is not refunded; the drink was made and waited for its customer.
    if (request) await handle(request);
    else await move('expired', 'not picked up in time');
  }

  for (const request of pending.splice(0)) request.outcome = { rejected: status };
  await condition(allHandlersFinished);
  return status;
}

function refusal(action: OrderAction, status: OrderStatus): ApplicationFailure {
  return ApplicationFailure.create({
    type: INVALID_TRANSITION,
    message: `cannot ${action} an order that is ${status}`,
    details: [status],
    nonRetryable: true,
  });
}
