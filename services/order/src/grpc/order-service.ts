import { orderV1 } from '@everything/contracts';
import { GrpcError, Status, guardedHandlers, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import type { FeedSubscription, OrderFeed } from '../events/order-feed.ts';
import { InvalidTransitionError, type OrderAction, type OrderStatus } from '../orders/order.ts';
import { IdempotencyKeyReusedError, OrderConflictError } from '../orders/order-repository.ts';
import { OrderNotFoundError, type OrderView, type Ordering } from '../orders/ordering.ts';
import { MAX_LINES, PricingError } from '../orders/pricing.ts';

const { OrderStatus: Wire } = orderV1;
const toWireStatus = {
  placed: Wire.ORDER_STATUS_PLACED,
  accepted: Wire.ORDER_STATUS_ACCEPTED,
  ready: Wire.ORDER_STATUS_READY,
  completed: Wire.ORDER_STATUS_COMPLETED,
  cancelled: Wire.ORDER_STATUS_CANCELLED,
  expired: Wire.ORDER_STATUS_EXPIRED,
} as const satisfies Record<OrderStatus, orderV1.OrderStatus>;
const statuses = Object.keys(toWireStatus) as OrderStatus[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function requireUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new GrpcError(Status.INVALID_ARGUMENT, `${field}: must be a UUID`);
  return value;
}

function boundedText(field: string, value: string, max: number): string {
  if (!value || value.length > max)
    throw new GrpcError(Status.INVALID_ARGUMENT, `${field}: must have 1 to ${max} characters`);
  return value;
}

export function classifyOrderError(error: unknown): GrpcError | undefined {
  if (error instanceof PricingError) {
    return new GrpcError(
      error.unavailable ? Status.FAILED_PRECONDITION : Status.INVALID_ARGUMENT,
      error.message,
    );
  }
  // The current status leads the message so callers can report it without parsing prose.
  if (error instanceof InvalidTransitionError)
    return new GrpcError(Status.FAILED_PRECONDITION, `${error.status}: ${error.message}`);
  if (error instanceof OrderNotFoundError) return new GrpcError(Status.NOT_FOUND, error.message);
  if (error instanceof OrderConflictError || error instanceof IdempotencyKeyReusedError)
    return new GrpcError(Status.ALREADY_EXISTS, error.message);
  return undefined;
}

function toWire(order: OrderView): orderV1.Order {
  return {
    id: order.id,
    customerId: order.customerId,
    customerName: order.customerName,
    status: toWireStatus[order.status],
    statusReason: order.statusReason ?? '',
    lines: order.lines.map((line) => ({
      menuItemId: line.menuItemId,
      name: line.name,
      quantity: line.quantity,
      options: line.options,
      unitPriceCents: line.unitPriceCents,
      lineTotalCents: line.unitPriceCents * line.quantity,
    })),
    totalCents: order.totalCents,
    discountCents: order.discountCents,
    pointsRedeemed: order.pointsRedeemed,
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    queuePosition: order.queue?.position ?? 0,
    estimatedReadyAt: order.queue?.estimatedReadyAt,
    acceptBy: order.status === 'placed' ? order.acceptBy : undefined,
    scheduleId: order.scheduleId ?? '',
    roundId: order.roundId ?? '',
    payerId: order.payerId ?? '',
  };
}

/** Translates the OrderService contract to the ordering use cases. */
export function orderService(
  ordering: Ordering,
  feed: OrderFeed,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): orderV1.OrderServiceServer {
  const handle = guardedHandlers(logger, guard, [classifyOrderError, classify]);
  const act = (action: OrderAction) =>
    handle(
      async (request: {
        orderId: string;
        actorId: string;
        reason?: string;
        idempotencyKey?: string | undefined;
      }) => ({
        order: toWire(
          await ordering.act(
            requireUuid('orderId', request.orderId),
            action,
            {
              actorId: request.actorId,
              ...(request.reason ? { reason: request.reason.slice(0, 200) } : {}),
            },
            request.idempotencyKey
              ? boundedText('idempotency_key', request.idempotencyKey, 255)
              : undefined,
          ),
        ),
      }),
    );

  return {
    placeOrder: handle(async (request: orderV1.PlaceOrderRequest) => {
      const customerName = request.customerName.trim();
      if (!customerName)
        throw new GrpcError(Status.INVALID_ARGUMENT, 'customerName: must not be empty');
      if (request.lines.length > MAX_LINES)
        throw new GrpcError(Status.INVALID_ARGUMENT, `items: must have at most ${MAX_LINES} lines`);
      const order = await ordering.place({
        orderId: requireUuid('orderId', request.orderId),
        customerId: requireUuid('customerId', request.customerId),
        customerName: customerName.slice(0, 80),
        lines: request.lines.map((line, index) => ({
          menuItemId: requireUuid(`items[${index}].menuItemId`, line.menuItemId),
          quantity: line.quantity,
          optionIds: line.optionIds,
        })),
        redeemFreeDrink: request.redeemFreeDrink,
        ...(request.idempotencyKey
          ? {
              idempotency: {
                digest: boundedText('idempotency_key', request.idempotencyKey, 255),
                fingerprint: boundedText(
                  'request_fingerprint',
                  request.requestFingerprint ?? '',
                  255,
                ),
              },
            }
          : {}),
      });
      return { order: toWire(order) };
    }),
    getOrder: handle(async (request: orderV1.GetOrderRequest) => ({
      order: toWire(await ordering.get(requireUuid('orderId', request.orderId))),
    })),
    listOrders: handle(async (request: orderV1.ListOrdersRequest) => {
      const wanted = request.statuses.map((wire) => {
        const status = statuses.find((name) => toWireStatus[name] === wire);
        if (!status) throw new GrpcError(Status.INVALID_ARGUMENT, 'statuses: unknown status');
        return status;
      });
      const orders = await ordering.list({
        ...(request.customerId
          ? { customerId: requireUuid('customerId', request.customerId) }
          : {}),
        ...(wanted.length ? { statuses: wanted } : {}),
        limit: Math.min(Math.max(request.limit || 50, 1), 200),
      });
      return { orders: orders.map(toWire) };
    }),
    acceptOrder: act('accept'),
    declineOrder: act('decline'),
    markOrderReady: act('markReady'),
    cancelOrder: act('cancel'),
    pickUpOrder: act('pickUp'),
    watchOrderEvents: (call) => {
      let watching = true;
      // A function, not the variable, so the compiler does not assume it cannot change across awaits.
      const active = () => watching;
      let subscription: FeedSubscription | undefined;
      // Wakes a write that waits for the client to drain, so a gone client frees its watcher.
      let stopWaiting = () => {};
      const stop = () => {
        watching = false;
        subscription?.close();
        stopWaiting();
      };
      call.on('cancelled', stop);
      call.on('close', stop);
      const drained = () =>
        new Promise<void>((resolve) => {
          stopWaiting = resolve;
          call.once('drain', resolve);
        });
      const stream = async () => {
        guard();
        const orderId = call.request.orderId
          ? requireUuid('orderId', call.request.orderId)
          : undefined;
        if (orderId) await ordering.get(orderId);
        const after = call.request.afterSequence < 0 ? 'now' : call.request.afterSequence;
        subscription = await feed.subscribe(after, orderId);
        if (!active()) subscription.close();
        // Ends when the client goes or the feed closes at shutdown; the client resumes elsewhere.
        while (active() && feed.open) {
          for (const event of await subscription.next(15_000)) {
            if (!active()) break;
            const flushed = call.write({
              sequence: event.sequence,
              eventId: event.eventId,
              type: event.type,
              orderId: event.orderId,
              occurredAt: event.occurredAt,
              eventJson: JSON.stringify(event.payload),
            });
            // A slow client: take nothing more from the feed until it has read what it has;
            // the feed holds at most MAX_HELD_EVENTS for it meanwhile, then lets it catch up
            // from the log.
            if (!flushed) await drained();
          }
        }
        subscription.close();
        if (active()) call.end();
      };
      stream().catch((error: unknown) => {
        subscription?.close();
        const known =
          error instanceof GrpcError ? error : (classifyOrderError(error) ?? classify(error));
        if (!known) logger.error({ err: error }, 'order event stream failed');
        call.destroy(known ?? new GrpcError(Status.INTERNAL, 'internal error'));
      });
    },
  };
}
