import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api, messageOf } from '../api.ts';
import { followStream } from '../events.ts';
import { formatClock, formatMoney, statusLabel } from '../format.ts';
import { coalesce, useResource, useTitle } from '../hooks.ts';
import type { Order, OrderStatus } from '../types.ts';
import { ErrorState, Loading } from '../ui.tsx';
import { enablePush, pushState, type PushState } from '../push.ts';

/** "Tell me when it's ready": a notification even when this page is closed. */
function NotifyMe() {
  const [state, setState] = useState<PushState>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    void pushState().then(setState, () => setState('unsupported'));
  }, []);
  if (state === undefined || state === 'unsupported') return null;
  if (state === 'on')
    return (
      <p class="hint" role="status">
        We’ll notify this device when your order changes.
      </p>
    );
  if (state === 'denied')
    return <p class="hint">Notifications are blocked for this site in your browser.</p>;
  return (
    <>
      <button
        type="button"
        class="secondary"
        onClick={() => {
          setError(undefined);
          enablePush().then(setState, (failure: unknown) => setError(messageOf(failure)));
        }}
      >
        Tell me when it’s ready
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

const steps: { status: OrderStatus; label: string }[] = [
  { status: 'placed', label: 'Placed' },
  { status: 'accepted', label: 'Accepted' },
  { status: 'ready', label: 'Ready' },
  { status: 'completed', label: 'Picked up' },
];

function Progress({ order }: { order: Order }) {
  const reached = steps.findIndex((step) => step.status === order.status);
  return (
    <ol class="progress" aria-label="Progress">
      {steps.map((step, index) => (
        <li
          key={step.status}
          class={index < reached ? 'done' : index === reached ? 'current' : undefined}
          aria-current={index === reached ? 'step' : undefined}
        >
          {step.label}
        </li>
      ))}
    </ol>
  );
}

function Waiting({ order }: { order: Order }) {
  if (order.status !== 'placed' && order.status !== 'accepted') return null;
  const ahead = order.queuePosition;
  return (
    <p class="waiting">
      {ahead !== undefined &&
        (ahead === 0
          ? 'You are next. '
          : `${ahead} ${ahead === 1 ? 'order' : 'orders'} ahead of you. `)}
      {order.estimatedReadyAt && <>Ready at about {formatClock(order.estimatedReadyAt)}.</>}
    </p>
  );
}

export function OrderPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const order = useResource((signal) => api<Order>(`/v1/orders/${id}`, { signal }), id);
  const [live, setLive] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const reload = useRef(order.reload);
  reload.current = order.reload;
  useEffect(() => {
    const refetch = coalesce(() => reload.current());
    return followStream(`/v1/orders/${id}/events`, {
      onEvent: refetch,
      onOpen: () => {
        setLive(true);
        refetch();
      },
      onDown: () => setLive(false),
    });
  }, [id]);
  const current = order.data;
  useTitle(current ? statusLabel[current.status] : 'Your order');
  const ready = current?.status === 'ready';
  useEffect(() => {
    // Not every phone can vibrate (iOS has no Vibration API).
    if (ready && 'vibrate' in navigator) navigator.vibrate([200, 100, 200]);
  }, [ready]);

  const act = async (action: 'cancel' | 'pickup') => {
    setActionError(undefined);
    try {
      await api<Order>(`/v1/orders/${id}/${action}`, { method: 'POST' });
      order.reload();
    } catch (error) {
      setActionError(messageOf(error));
    }
  };

  return (
    <section aria-labelledby="order-title">
      <p>
        <a href="/orders">← Your orders</a>
      </p>
      {!current && order.loading && <Loading what="your order" />}
      {order.error !== undefined && <ErrorState error={order.error} retry={order.reload} />}
      {current && (
        <>
          <div class={`status-card status-${current.status}`}>
            <h1 id="order-title" data-testid="order-status" aria-live="assertive">
              {statusLabel[current.status]}
            </h1>
            {ready && <p class="ready-note">Your order is ready. Pick it up at the counter!</p>}
            {current.statusReason && <p>{current.statusReason}</p>}
            <Waiting order={current} />
            <p class="live" aria-hidden="true">
              {live ? '● Live' : '○ Reconnecting…'}
            </p>
          </div>
          {current.roundId && (
            <p>
              Part of a <a href={`/rounds/${current.roundId}`}>round for the table</a>.
            </p>
          )}
          <Progress order={current} />
          <ul class="lines">
            {current.items.map((line, index) => (
              <li key={index} class="line">
                <div>
                  <strong>
                    {line.quantity} × {line.name}
                  </strong>
                  {line.options.length > 0 && (
                    <span class="hint">
                      {' '}
                      · {line.options.map((option) => option.name).join(', ')}
                    </span>
                  )}
                </div>
                <span class="price">{formatMoney(line.lineTotalCents)}</span>
              </li>
            ))}
          </ul>
          <p class="total">
            {current.discountCents > 0 && (
              <span class="hint">Loyalty discount −{formatMoney(current.discountCents)} · </span>
            )}
            Total <strong>{formatMoney(current.totalCents)}</strong>
          </p>
          <div class="actions">
            {current.status === 'placed' && (
              <button type="button" class="danger" onClick={() => void act('cancel')}>
                Cancel order
              </button>
            )}
            {ready && (
              <button type="button" onClick={() => void act('pickup')}>
                I picked it up
              </button>
            )}
            {(current.status === 'placed' || current.status === 'accepted') && <NotifyMe />}
          </div>
          {actionError && (
            <p class="field-error" role="alert">
              {actionError}
            </p>
          )}
        </>
      )}
    </section>
  );
}
