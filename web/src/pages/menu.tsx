import { useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api.ts';
import { formatMoney } from '../format.ts';
import { useRefresh, useResource, useTitle } from '../hooks.ts';
import { loadMenu } from '../menu-data.ts';
import { byCategory } from '../menu-pricing.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { Order } from '../types.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { useLocation } from 'preact-iso';

/** The menu follows admin changes by asking again every few seconds; a 304-free JSON is small. */
const MENU_REFRESH_MS = 10_000;

function UsualButton() {
  const { route } = useLocation();
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  // One key per tap sequence: a double tap sends the same key and gets the same order.
  const [key] = useState(() => crypto.randomUUID());
  const order = async () => {
    if (state.busy) return;
    setState({ busy: true });
    try {
      const placed = await api<Order>('/v1/orders/usual', {
        method: 'POST',
        headers: { 'idempotency-key': key },
      });
      route(`/orders/${placed.id}`);
    } catch (error) {
      setState({
        busy: false,
        error:
          error instanceof ApiError && error.problem.type.endsWith('no-usual')
            ? 'Save a drink as a favorite first: open a drink and tap “Save as my usual”.'
            : messageOf(error),
      });
    }
  };
  return (
    <div class="usual">
      <button
        type="button"
        onClick={() => void order()}
        disabled={state.busy}
        aria-busy={state.busy}
      >
        {state.busy ? 'Ordering your usual…' : 'Order my usual'}
      </button>
      {state.error && (
        <p class="field-error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}

export function MenuPage() {
  useTitle('Menu');
  const signedIn = useStore(session) !== undefined;
  const menu = useResource(loadMenu, 'menu');
  useRefresh(menu.reload, MENU_REFRESH_MS);
  const items = menu.data;
  return (
    <section aria-labelledby="menu-title">
      <div class="page-head">
        <h1 id="menu-title">Menu</h1>
        {signedIn ? <UsualButton /> : <a href="/signin?next=/">Sign in to order</a>}
      </div>
      {!items && menu.loading && <Loading what="the menu" />}
      {menu.error !== undefined && <ErrorState error={menu.error} retry={menu.reload} />}
      {items?.length === 0 && (
        <Empty>Nothing on the menu yet. An admin adds drinks under Admin.</Empty>
      )}
      {items &&
        byCategory(items).map(([category, group]) => (
          <section key={category} aria-labelledby={`category-${category}`} class="category">
            <h2 id={`category-${category}`}>{category}</h2>
            <ul class="menu-grid">
              {group.map((item) => (
                <li key={item.id} class={item.available ? 'menu-item' : 'menu-item unavailable'}>
                  <a href={`/menu/${item.id}`} data-testid={`menu-item-${item.name}`}>
                    <span class="name">{item.name}</span>
                    <span class="description">{item.description}</span>
                    <span class="price">
                      {item.available ? `from ${formatMoney(item.priceCents)}` : 'Unavailable'}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        ))}
    </section>
  );
}
