/** An order as the order service's domain sees it. */
export type OrderStatus = 'placed' | 'accepted' | 'ready' | 'completed' | 'cancelled' | 'expired';

/** What a customer is told about their order besides its status changes. */
export type CustomerNotification = 'accepted' | 'round_ready';

export type OrderAction = 'accept' | 'decline' | 'markReady' | 'cancel' | 'pickUp';

export interface OrderLine {
  menuItemId: string;
  name: string;
  quantity: number;
  options: { id: string; name: string; priceDeltaCents: number }[];
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customerId: string;
  customerName: string;
  status: OrderStatus;
  statusReason: string | undefined;
  lines: OrderLine[];
  /** Taken off the subtotal for a drink paid with loyalty points; totalCents is after it. */
  discountCents: number;
  pointsRedeemed: number;
  totalCents: number;
  placedAt: Date;
  updatedAt: Date;
  acceptBy: Date;
  /** The schedule that placed it; none for an order placed by hand. */
  scheduleId?: string | undefined;
  /** The round for the table it is part of; none for an order of its own. */
  roundId?: string | undefined;
  /** Whose tab pays when not the customer's: a round's starter paying for everyone. */
  payerId?: string | undefined;
}

/** Where a waiting order stands: orders ahead of it and when it should be ready. */
export interface QueueEstimate {
  position: number;
  estimatedReadyAt: Date;
}

/** The state each action needs and the state it leads to; nothing else is allowed. */
export const transitions: Record<OrderAction, { from: OrderStatus; to: OrderStatus }> = {
  accept: { from: 'placed', to: 'accepted' },
  decline: { from: 'placed', to: 'cancelled' },
  cancel: { from: 'placed', to: 'cancelled' },
  markReady: { from: 'accepted', to: 'ready' },
  pickUp: { from: 'ready', to: 'completed' },
};

export const openStatuses: readonly OrderStatus[] = ['placed', 'accepted', 'ready'];

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
  readonly status: OrderStatus;

  constructor(action: OrderAction, status: OrderStatus) {
    super(`cannot ${action} an order that is ${status}`);
    this.status = status;
  }
}

export function lineTotal(line: OrderLine): number {
  return line.unitPriceCents * line.quantity;
}
