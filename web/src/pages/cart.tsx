import { useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, messageOf } from '../api.ts';
import { cart, clearCart, setQuantity } from '../cart.ts';
import { formatMoney } from '../format.ts';
import { POINTS_PER_FREE_DRINK } from '../loyalty.ts';
import { useResource, useTitle } from '../hooks.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { Customer, Order } from '../types.ts';
import { Empty } from '../ui.tsx';
import { ScheduleForm } from './schedule-form.tsx';

function PlaceOrder({ totalCents }: { totalCents: number }) {
  const { route } = useLocation();
  const current = useStore(cart);
  const profile = useResource((signal) => api<Customer>('/v1/customers/me', { signal }), 'me');
  const [redeem, setRedeem] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // State updates land after the next render; a double tap arrives before that.
  const sending = useRef(false);
  const place = async (event: Event) => {
    event.preventDefault();
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    setError(undefined);
    try {
      const order = await api<Order>('/v1/orders', {
        method: 'POST',
        // Paying with points is another request: another key.
        headers: { 'idempotency-key': `${current.checkoutKey}${redeem ? ':points' : ''}` },
        body: {
          items: current.lines.map((line) => ({
            menuItemId: line.menuItemId,
            quantity: line.quantity,
            options: line.optionIds,
          })),
          redeemFreeDrink: redeem,
        },
      });
      clearCart();
      route(`/orders/${order.id}`);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 422
          ? `${messageOf(failure)} Change your cart and try again.`
          : messageOf(failure),
      );
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };
  const points = profile.data?.loyaltyPoints ?? 0;
  return (
    <form onSubmit={(event) => void place(event)} class="checkout">
      {points >= POINTS_PER_FREE_DRINK && (
        <label class="choice">
          <input
            type="checkbox"
            checked={redeem}
            onChange={(event) => setRedeem(event.currentTarget.checked)}
          />
          <span>Pay for one drink with loyalty points (you have {points})</span>
        </label>
      )}
      {profile.data && (
        <p class="hint">
          Charged to your tab (balance {formatMoney(profile.data.tabBalanceCents)}).
        </p>
      )}
      <button type="submit" class="primary-wide" disabled={busy} aria-busy={busy}>
        {busy ? 'Placing your order…' : `Place order · ${formatMoney(totalCents)}`}
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function CartPage() {
  useTitle('Cart');
  const current = useStore(cart);
  const signedIn = useStore(session) !== undefined;
  const total = current.lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      {current.lines.length === 0 ? (
        <Empty>
          Your cart is empty. <a href="/">Choose a drink</a>.
        </Empty>
      ) : (
        <>
          <ul class="lines">
            {current.lines.map((line) => (
              <li key={line.key} class="line">
                <div>
                  <strong>{line.name}</strong>
                  {line.optionNames.length > 0 && (
                    <span class="hint"> · {line.optionNames.join(', ')}</span>
                  )}
                  <div class="hint">{formatMoney(line.unitPriceCents)} each</div>
                </div>
                <div class="quantity">
                  <button
                    type="button"
                    class="step"
                    aria-label={`One fewer ${line.name}`}
                    onClick={() => setQuantity(line.key, line.quantity - 1)}
                  >
                    −
                  </button>
                  <span aria-label={`${line.quantity} × ${line.name}`}>{line.quantity}</span>
                  <button
                    type="button"
                    class="step"
                    aria-label={`One more ${line.name}`}
                    disabled={line.quantity >= 20}
                    onClick={() => setQuantity(line.key, line.quantity + 1)}
                  >
                    +
                  </button>
                </div>
                <span class="price">{formatMoney(line.unitPriceCents * line.quantity)}</span>
              </li>
            ))}
          </ul>
          <p class="total">
            Total <strong>{formatMoney(total)}</strong>
          </p>
          {signedIn ? (
            <>
              <PlaceOrder totalCents={total} />
              <ScheduleForm cart={current} />
            </>
          ) : (
            <p>
              <a class="button" href="/signin?next=/cart">
                Sign in to order
              </a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
