import { api } from '../api.ts';
import { formatDay, formatMoney, isOpen, statusLabel } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { Order } from '../types.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { SignInFirst } from './sign-in.tsx';

export function OrdersPage() {
  useTitle('Your orders');
  const signedIn = useStore(session) !== undefined;
  const orders = useResource(
    (signal) =>
      signedIn
        ? api<{ orders: Order[] }>('/v1/orders?limit=50', { signal }).then((body) => body.orders)
        : Promise.resolve([]),
    String(signedIn),
  );
  if (!signedIn) return <SignInFirst what="see your orders" />;
  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">Your orders</h1>
      {!orders.data && orders.loading && <Loading what="your orders" />}
      {orders.error !== undefined && <ErrorState error={orders.error} retry={orders.reload} />}
      {orders.data?.length === 0 && (
        <Empty>
          No orders yet. <a href="/">Order your first drink</a>.
        </Empty>
      )}
      <ul class="history">
        {orders.data?.map((order) => (
          <li key={order.id}>
            <a href={`/orders/${order.id}`} class={isOpen(order.status) ? 'open' : undefined}>
              <span>
                <strong>
                  {order.items.map((line) => `${line.quantity} × ${line.name}`).join(', ')}
                </strong>
                <span class="hint"> · {formatDay(order.placedAt)}</span>
              </span>
              <span class={`badge status-${order.status}`}>{statusLabel[order.status]}</span>
              <span class="price">{formatMoney(order.totalCents)}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
