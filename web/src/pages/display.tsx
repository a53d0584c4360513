import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { followStream } from '../events.ts';
import { formatClock } from '../format.ts';
import { coalesce, useNow, useResource, useTitle } from '../hooks.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { PickupOrder } from '../types.ts';
import { FullScreenButton } from '../ui.tsx';

const KEY = 'everything.displayKey';

/**
 * The display key from the link an admin made (/display#key=…): in the fragment, so it never
 * reaches a server's or a proxy's log; kept, so the TV survives a reload; and taken out of the
 * address bar, so it does not linger on screen. Without a key, a signed-in barista's session works.
 */
function useDisplayKey(): string | undefined {
  const [key] = useState(() => {
    const fromLink = new URLSearchParams(location.hash.slice(1)).get('key');
    if (fromLink) {
      localStorage.setItem(KEY, fromLink);
      history.replaceState(null, '', '/display');
    }
    return fromLink ?? localStorage.getItem(KEY) ?? undefined;
  });
  return key;
}

export function DisplayPage() {
  useTitle('Pickup');
  const key = useDisplayKey();
  const signedIn = useStore(session) !== undefined;
  const allowed = key !== undefined || signedIn;
  const now = useNow(10_000);
  const [live, setLive] = useState(false);
  const [refused, setRefused] = useState(false);
  const ready = useResource(
    (signal) =>
      allowed
        ? api<{ orders: PickupOrder[] }>('/v1/pickup', { signal, token: key }).then(
            (body) => body.orders,
          )
        : Promise.resolve([]),
    `${key ?? ''}:${String(signedIn)}`,
  );
  const reload = useRef(ready.reload);
  reload.current = ready.reload;
  useEffect(() => {
    if (!allowed) return;
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
        onRefused: () => setRefused(true),
      },
      // A display key; else the session's token, refreshed as it expires.
      key === undefined ? undefined : () => key,
    );
  }, [key, allowed]);

  const rejected =
    refused ||
    (ready.error instanceof ApiError && (ready.error.status === 401 || ready.error.status === 403));
  if (!allowed || rejected)
    return (
      <div class="display">
        <h1>Pickup display</h1>
        <p class="display-note">
          {rejected ? 'This display link is no longer valid. ' : ''}Open the display link an admin
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
        <FullScreenButton class="display-fullscreen" />
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
