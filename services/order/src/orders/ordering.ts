import type { MenuCatalog } from '../menu/menu-catalog.ts';
import type { ActionInput, OrderWorkflowInput } from '../workflows/definitions.ts';
import {
  lineTotal,
  type Order,
  type OrderAction,
  type OrderStatus,
  type QueueEstimate,
} from './order.ts';
import type { IdempotencyKey, OrderRepository } from './order-repository.ts';
import { freeDrinkDiscount, priceLines, type LineRequest } from './pricing.ts';

/** Where orders' workflows run; Temporal in the service, anything in a test. */
export interface OrderWorkflows {
  start(input: OrderWorkflowInput): Promise<void>;
  /** Starts the order's workflow unless one is running; true when it started one. */
  startIfNotRunning(input: OrderWorkflowInput): Promise<boolean>;
  /**
   * Applies the action or throws InvalidTransitionError with the order's current status. With
   * a `requestId`, a repeat of a request already applied returns that request's outcome again
   * instead of being refused as a transition from the new state.
   */
  act(
    orderId: string,
    action: OrderAction,
    input: ActionInput,
    requestId?: string,
  ): Promise<OrderStatus>;
}

export interface PlaceOrder {
  orderId: string;
  customerId: string;
  customerName: string;
  lines: LineRequest[];
  /** Pay for the most expensive drink with loyalty points. */
  redeemFreeDrink: boolean;
  /** The schedule placing it, when one is. */
  scheduleId?: string;
  /** The client's key: a retry with it gets the order it first placed, even under another id. */
  idempotency?: IdempotencyKey;
}

export type OrderView = Order & { queue: QueueEstimate | undefined };

/** An order that was stored but whose workflow never started; starting it now repairs it. */
export class WorkflowMissingError extends Error {
  override name = 'WorkflowMissingError';
}

/** Orders looked at per sweep, the longest-waiting first; a backlog clears over several. */
const STALLED_BATCH = 100;

export class OrderNotFoundError extends Error {
  override name = 'OrderNotFoundError';
}

/** The use cases of ordering: place, act, read. Prices come from the menu, transitions from the workflow. */
export class Ordering {
  readonly #orders: OrderRepository;
  readonly #menu: MenuCatalog;
  readonly #workflows: OrderWorkflows;
  readonly #timeouts: { acceptMs: number; pickupMs: number };
  readonly #pointsPerFreeDrink: number;

  constructor(
    orders: OrderRepository,
    menu: MenuCatalog,
    workflows: OrderWorkflows,
    timeouts: { acceptMs: number; pickupMs: number },
    pointsPerFreeDrink: number,
  ) {
    this.#orders = orders;
    this.#menu = menu;
    this.#workflows = workflows;
    this.#timeouts = timeouts;
    this.#pointsPerFreeDrink = pointsPerFreeDrink;
  }

  async place(request: PlaceOrder): Promise<OrderView> {
    const { items } = await this.#menu.list();
    const lines = priceLines(request.lines, items);
    const subtotal = lines.reduce((sum, line) => sum + lineTotal(line), 0);
    const discountCents = request.redeemFreeDrink ? freeDrinkDiscount(lines) : 0;
    const { order, created } = await this.#orders.insertPlaced(
      {
        id: request.orderId,
        customerId: request.customerId,
        customerName: request.customerName,
        lines,
        discountCents,
        pointsRedeemed: request.redeemFreeDrink ? this.#pointsPerFreeDrink : 0,
        totalCents: subtotal - discountCents,
        acceptBy: new Date(Date.now() + this.#timeouts.acceptMs),
        scheduleId: request.scheduleId,
      },
      request.idempotency,
    );
    // Also on a retry while still placed: an earlier attempt may have stored it and failed to
    // start it. A finished order is never started again.
    if (created || order.status === 'placed') await this.#startWorkflow(order);
    return this.get(order.id);
  }

  /** Starts the workflows of orders stored by someone else (a round's submit); safe to repeat. */
  async startWorkflows(orders: Order[]): Promise<void> {
    for (const order of orders) if (order.status === 'placed') await this.#startWorkflow(order);
  }

  /** What new orders cost and when they must be accepted by, as `place` fills them in. */
  acceptByForNewOrder(): Date {
    return new Date(Date.now() + this.#timeouts.acceptMs);
  }

  async #startWorkflow(order: Order): Promise<void> {
    await this.#workflows.start(this.#workflowInput(order));
  }

  #workflowInput(order: Order): OrderWorkflowInput {
    return {
      orderId: order.id,
      customerId: order.customerId,
      totalCents: order.totalCents,
      pointsToRedeem: order.pointsRedeemed,
      acceptBy: order.acceptBy.getTime(),
      pickupTimeoutMs: this.#timeouts.pickupMs,
      ...(order.payerId ? { payerId: order.payerId } : {}),
    };
  }

  /**
   * Starts the workflow of every order that has waited as placed for over `graceMs` without
   * one: stored, but the start failed and the client never retried. Its workflow then takes
   * payment and waits for a barista until the order's own accept deadline, so an order found
   * after that deadline is cancelled (and refunded) at once. Returns the ids it started.
   */
  async startStalled(graceMs: number): Promise<string[]> {
    const placedBefore = Date.now() - graceMs;
    const waiting = await this.#orders.list({ statuses: ['placed'], limit: STALLED_BATCH });
    const started: string[] = [];
    for (const order of waiting) {
      if (order.placedAt.getTime() > placedBefore) continue;
      if (await this.#workflows.startIfNotRunning(this.#workflowInput(order)))
        started.push(order.id);
    }
    return started;
  }

  /** `requestId` is the caller's idempotency key: a retry of an applied action gets its answer again. */
  async act(
    orderId: string,
    action: OrderAction,
    input: ActionInput,
    requestId?: string,
  ): Promise<OrderView> {
    const order = await this.#orders.find(orderId);
    if (!order) throw new OrderNotFoundError(`no order has id ${orderId}`);
    try {
      await this.#workflows.act(orderId, action, input, requestId);
    } catch (error) {
      if (!(error instanceof WorkflowMissingError)) throw error;
      await this.#startWorkflow(order);
      await this.#workflows.act(orderId, action, input, requestId);
    }
    return this.get(orderId);
  }

  async get(orderId: string): Promise<OrderView> {
    const found = await this.#orders.findWithQueue(orderId);
    if (!found) throw new OrderNotFoundError(`no order has id ${orderId}`);
    return { ...found.order, queue: found.queue };
  }

  async list(filter: {
    customerId?: string;
    statuses?: OrderStatus[];
    limit: number;
  }): Promise<OrderView[]> {
    const [orders, estimates] = await Promise.all([
      this.#orders.list(filter),
      this.#orders.queueEstimates(),
    ]);
    return orders.map((order) => ({ ...order, queue: estimates.get(order.id) }));
  }
}
