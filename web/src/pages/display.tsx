import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError } from '../api.ts';
import { followStream } from '../events.ts';
import { formatClock } from '../format.ts';
import { coalesce, useNow, useResource, useTitle } from '../hooks.ts';
import { session } from '../session.ts';
import type { PickupOrder } from '../types.ts';

const KEY = 'everything.displayKey';

/**
 * The display key from the link an admin made (?key=…), kept so the TV survives a reload and
 * taken out of the address bar so it does not linger on screen. A signed-in barista's own token
 * works as well.
 */
function useDisplayToken(): string | undefined {
  const { query, route } = useLocation();
  const fromLink = query.key;
  useEffect(() => {
    if (fromLink) {
      localStorage.setItem(KEY, fromLink);
      route('/display', true);
    }
  }, [fromLink, route]);
  return fromLink ?? localStorage.getItem(KEY) ?? session.get()?.accessToken;
}

export function DisplayPage() {
  useTitle('Pickup');
  const token = useDisplayToken();
  const now = useNow(10_000);
  const [live, setLive] = useState(false);
  const ready = useResource(
    (signal) =>
      token
        ? api<{ orders: PickupOrder[] }>('/v1/pickup', { signal, token }).then(
            (body) => body.orders,
          )
        : Promise.resolve([]),
    token ?? '',
  );
  const reload = useRef(ready.reload);
  reload.current = ready.reload;
  useEffect(() => {
    if (!token) return;
    const refetch = coalesce(() => reload.current());
    return followStream(
      '/v1/pickup/events',
      {
        onEvent: refetch,
        onOpen: () => {
          setLive(true);
          refetch();
        },
        onDown: () => setLive(false),
      },
      () => token,
    );
  }, [token]);

  const refused =
    ready.error instanceof ApiError && (ready.error.status === 401 || ready.error.status === 403);
  if (!token || refused)
    return (
      <div class="display">
        <h1>Pickup display</h1>
        <p class="display-note">
          {refused ? 'This display link is no longer valid. ' : ''}Open the display link an admin
          creates on the Admin page.
        </p>
      </div>
    );
  const orders = ready.data ?? [];
  return (
    <div class="display">
      <header class="display-head">
        <h1>Ready for pickup</h1>
        <span class="display-clock">{formatClock(new Date(now).toISOString())}</span>
      </header>
      {ready.error !== undefined || !live ? (
        <p class="display-offline" role="status">
          Reconnecting…
        </p>
      ) : null}
      {orders.length === 0 ? (
        <p class="display-empty">Nothing waiting. Fresh coffee soon.</p>
      ) : (
        <ul class="display-names" aria-live="polite" data-testid="pickup-names">
          {orders.map((order) => (
            <li key={order.id}>{order.customerName}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
