// One workflow per order: it decides every transition and only orchestrates. It must stay
// deterministic, so it imports nothing but @temporalio/workflow and plain data; activities
// (../temporal/activities.ts) do all I/O.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { OrderActivities, Refusable } from '../temporal/activities.ts';
import { transitions, type OrderAction, type OrderStatus } from '../orders/order.ts';
import {
  actionUpdates,
  INVALID_TRANSITION,
  statusQuery,
  type ActionInput,
  type OrderWorkflowInput,
} from './definitions.ts';

export type { OrderWorkflowInput } from './definitions.ts';

// Recording transitions and compensating are retried until the database and the customer
// service answer: giving up would leave an order half-cancelled or a tab unrefunded.
const { refundTab, restorePoints, recordTransition, notifyCustomer } =
  proxyActivities<OrderActivities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });

// Taking payment gives up after a while: an order that cannot be paid for is cancelled rather
// than left waiting, unseen by its accept timeout.
const paymentOptions = {
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
} as const;
const payment = proxyActivities<OrderActivities>(paymentOptions);
// The same calls as local activities: run by the worker that started the order, inside its
// first workflow task (which the order service receives eagerly with the start), instead of a
// round trip through Temporal's task queue: one activity task and one workflow task fewer per order.
// Both calls are idempotent per order, so a local activity repeated after a worker crash is safe.
const localPayment = proxyLocalActivities<OrderActivities>(paymentOptions);

/**
 * Orders started before payment became a local activity have an ActivityTaskScheduled for it
 * in their history; `patched()` is false while they replay, so they keep the task-queue path
 * (fixtures: histories/before-local-payment/). Retire it as NOTIFY_CUSTOMER_ON_ACCEPT says below.
 */
const PAYMENT_AS_LOCAL_ACTIVITY = 'payment-as-local-activity';

/**
 * Versioning, shown once: telling the customer their order was accepted (with when it should be
 * ready) came after orders were already running. Workflows that reached "accepted" before the
 * change have no marker for this patch in their history, so `patched()` is false while they
 * replay and they keep the path they took; every new run takes the new one and records the
 * marker. The fixtures in histories/before-accept-notification/ keep that old path replaying.
 *
 * Retiring it takes two releases. First, once no open order can have started before this
 * change (orders live at most 35 minutes, so any release after the change has been live that
 * long), replace `patched(...)` with `deprecatePatch(NOTIFY_CUSTOMER_ON_ACCEPT)` followed by the
 * call, unconditionally, and delete the old fixtures. Then, once no open order started before
 * *that* release, delete the deprecatePatch line too.
 */
const NOTIFY_CUSTOMER_ON_ACCEPT = 'notify-customer-on-accept';

interface Pending {
  action: OrderAction;
  input: ActionInput;
  outcome?: { status: OrderStatus } | { rejected: OrderStatus };
}

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderStatus> {
  const payer = input.payerId ?? input.customerId;
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
  // Compensation runs even if recording the cancellation fails: both steps are idempotent.
  const cancel = async (reason: string) => {
    try {
      await move('cancelled', reason);
    } finally {
      await refundTab(payer, input.orderId);
      if (input.pointsToRedeem > 0) await restorePoints(input.customerId, input.orderId);
    }
  };
  const pay = async (take: () => Promise<Refusable>): Promise<Refusable> => {
    try {
      return await take();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      return { ok: false, reason: 'payment could not be taken in time' };
    }
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
      if (to === 'accepted' && patched(NOTIFY_CUSTOMER_ON_ACCEPT)) {
        await notifyCustomer(input.orderId, 'accepted');
      }
    }
    request.outcome = { status };
  };
  const nextRequest = async (timeoutMs?: number): Promise<Pending | undefined> => {
    if (timeoutMs === undefined) await condition(() => pending.length > 0);
    else if (!(await condition(() => pending.length > 0, Math.max(timeoutMs, 0)))) return undefined;
    return pending.shift();
  };

  const takePayment = patched(PAYMENT_AS_LOCAL_ACTIVITY) ? localPayment : payment;
  const redeemed: Refusable =
    input.pointsToRedeem > 0
      ? await pay(() =>
          takePayment.redeemPoints(input.customerId, input.orderId, input.pointsToRedeem),
        )
      : { ok: true };
  if (!redeemed.ok) {
    await cancel(`not paid with points: ${redeemed.reason}`);
  } else if (input.totalCents > 0) {
    const charged = await pay(() => takePayment.chargeTab(payer, input.orderId, input.totalCents));
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
