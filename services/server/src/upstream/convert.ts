import { customerV1, orderV1 } from '@everything/contracts';
import type { Role } from '../auth/tokens.ts';

type StatusName = 'placed' | 'accepted' | 'ready' | 'completed' | 'cancelled' | 'expired';

const statusNames: Record<number, StatusName> = {
  [orderV1.OrderStatus.ORDER_STATUS_PLACED]: 'placed',
  [orderV1.OrderStatus.ORDER_STATUS_ACCEPTED]: 'accepted',
  [orderV1.OrderStatus.ORDER_STATUS_READY]: 'ready',
  [orderV1.OrderStatus.ORDER_STATUS_COMPLETED]: 'completed',
  [orderV1.OrderStatus.ORDER_STATUS_CANCELLED]: 'cancelled',
  [orderV1.OrderStatus.ORDER_STATUS_EXPIRED]: 'expired',
};

export const orderStatusOf = (name: string): orderV1.OrderStatus | undefined => {
  const entry = Object.entries(statusNames).find(([, value]) => value === name);
  return entry ? (Number(entry[0]) as orderV1.OrderStatus) : undefined;
};

const roleNames: Record<number, Role> = {
  [customerV1.Role.ROLE_CUSTOMER]: 'customer',
  [customerV1.Role.ROLE_BARISTA]: 'barista',
  [customerV1.Role.ROLE_ADMIN]: 'admin',
};

export const roleOf = (role: customerV1.Role): Role => roleNames[role] ?? 'customer';

export const wireRole = (role: Role): customerV1.Role =>
  ({
    customer: customerV1.Role.ROLE_CUSTOMER,
    barista: customerV1.Role.ROLE_BARISTA,
    admin: customerV1.Role.ROLE_ADMIN,
  })[role];

/** The public representation of an order: the API's contract, documented in the OpenAPI schema. */
export function orderJson(order: orderV1.Order | undefined) {
  if (!order) throw new Error('the order service answered without an order');
  const open =
    order.status === orderV1.OrderStatus.ORDER_STATUS_PLACED ||
    order.status === orderV1.OrderStatus.ORDER_STATUS_ACCEPTED;
  return {
    id: order.id,
    status: statusNames[order.status] ?? 'placed',
    ...(order.statusReason ? { statusReason: order.statusReason } : {}),
    customerId: order.customerId,
    customerName: order.customerName,
    items: order.lines.map((line) => ({
      menuItemId: line.menuItemId,
      name: line.name,
      quantity: line.quantity,
      options: line.options,
      unitPriceCents: line.unitPriceCents,
      lineTotalCents: line.lineTotalCents,
    })),
    totalCents: order.totalCents,
    discountCents: order.discountCents,
    pointsRedeemed: order.pointsRedeemed,
    placedAt: (order.placedAt ?? new Date(0)).toISOString(),
    updatedAt: (order.updatedAt ?? new Date(0)).toISOString(),
    ...(open ? { queuePosition: order.queuePosition } : {}),
    ...(open && order.estimatedReadyAt
      ? { estimatedReadyAt: order.estimatedReadyAt.toISOString() }
      : {}),
    ...(order.acceptBy ? { acceptBy: order.acceptBy.toISOString() } : {}),
    ...(order.scheduleId ? { scheduleId: order.scheduleId } : {}),
    ...(order.roundId ? { roundId: order.roundId } : {}),
  };
}

export function customerJson(customer: customerV1.Customer | undefined) {
  if (!customer) throw new Error('the customer service answered without a customer');
  return {
    id: customer.id,
    email: customer.email,
    displayName: customer.displayName,
    role: roleOf(customer.role),
    tabBalanceCents: customer.tabBalanceCents,
    loyaltyPoints: customer.loyaltyPoints,
    stats: {
      ordersCompleted: customer.stats?.ordersCompleted ?? 0,
      totalSpentCents: customer.stats?.totalSpentCents ?? 0,
      ...(customer.stats?.favoriteMenuItemId
        ? { favoriteMenuItemId: customer.stats.favoriteMenuItemId }
        : {}),
      ...(customer.stats?.lastOrderAt
        ? { lastOrderAt: customer.stats.lastOrderAt.toISOString() }
        : {}),
    },
    createdAt: (customer.createdAt ?? new Date(0)).toISOString(),
  };
}
