import { useEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf } from '../api.ts';
import { chime, unlockSound } from '../chime.ts';
import { followStream } from '../events.ts';
import { formatClock, formatDuration, formatMoney } from '../format.ts';
import { coalesce, useNow, useRefresh, useResource, useTitle } from '../hooks.ts';
import { hasRole, session } from '../session.ts';
import { useStore } from '../store.ts';
import type { Order, OrderStatus, UpcomingRun } from '../types.ts';
import { ErrorState, FullScreenButton, Loading } from '../ui.tsx';
import { SignInFirst } from './sign-in.tsx';

type Action = 'accept' | 'decline' | 'ready' | 'pickup';

const columns: {
  status: OrderStatus;
  title: string;
  actions: { action: Action; label: string }[];
}[] = [
  {
    status: 'placed',
    title: 'New',
    actions: [
      { action: 'accept', label: 'Accept' },
      { action: 'decline', label: 'Decline' },
    ],
  },
  { status: 'accepted', title: 'Making', actions: [{ action: 'ready', label: 'Ready' }] },
  { status: 'ready', title: 'Ready', actions: [{ action: 'pickup', label: 'Picked up' }] },
];

const loadQueue = (signal: AbortSignal) =>
  api<{ orders: Order[] }>('/v1/orders?status=placed,accepted,ready&limit=200', { signal }).then(
    (body) => body.orders,
  );

function Ticket({
  order,
  now,
  fresh,
  actions,
  onAct,
}: {
  order: Order;
  now: number;
  fresh: boolean;
  actions: { action: Action; label: string }[];
  onAct: (order: Order, action: Action) => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const acceptIn = order.acceptBy ? Date.parse(order.acceptBy) - now : undefined;
  const act = async (action: Action) => {
    setBusy(true);
    await onAct(order, action);
    setBusy(false);
  };
  return (
    <li class={fresh ? 'ticket fresh' : 'ticket'} data-testid={`ticket-${order.id}`}>
      <div class="ticket-head">
        <strong class="who">{order.customerName}</strong>
        <span class="age" title="Since placed">
          {formatDuration(now - Date.parse(order.placedAt))} ago
        </span>
      </div>
      <ul class="ticket-lines">
        {order.items.map((line, index) => (
          <li key={index}>
            <strong>{line.quantity} ×</strong> {line.name}
            {line.options.length > 0 && (
              <span class="hint"> · {line.options.map((option) => option.name).join(', ')}</span>
            )}
          </li>
        ))}
      </ul>
      {order.status === 'placed' && acceptIn !== undefined && (
        <p class={acceptIn < 60_000 ? 'deadline urgent' : 'deadline'}>
          Cancels itself in {formatDuration(acceptIn)} unless accepted
        </p>
      )}
      <div class="ticket-actions">
        <span class="hint">{formatMoney(order.totalCents)}</span>
        {actions.map(({ action, label }) => (
          <button
            key={action}
            type="button"
            class={action === 'decline' ? 'danger' : undefined}
            disabled={busy}
            aria-label={`${label}: ${order.customerName}’s order`}
            onClick={() => void act(action)}
          >
            {label}
          </button>
        ))}
      </div>
    </li>
  );
}

/** One ticket, or a round for the table: its members' orders in this column, as one card. */
type Entry = { order: Order } | { roundId: string; orders: Order[] };

function entriesOf(orders: Order[]): Entry[] {
  const entries: Entry[] = [];
  const rounds = new Map<string, Order[]>();
  for (const order of orders) {
    if (!order.roundId) {
      entries.push({ order });
      continue;
    }
    const members = rounds.get(order.roundId);
    if (members) members.push(order);
    else {
      const first = [order];
      rounds.set(order.roundId, first);
      entries.push({ roundId: order.roundId, orders: first });
    }
  }
  return entries;
}

function RoundCard({
  roundId,
  orders,
  now,
  fresh,
  actions,
  onAct,
}: {
  roundId: string;
  orders: Order[];
  now: number;
  fresh: Set<string>;
  actions: { action: Action; label: string }[];
  onAct: (order: Order, action: Action) => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const names = orders.map((order) => order.customerName).join(', ');
  const together = actions[0];
  return (
    <li class="round-card" data-testid={`round-${roundId}`}>
      <h3>
        Round for the table · {orders.length} {orders.length === 1 ? 'person' : 'people'}: {names}
      </h3>
      {together && orders.length > 1 && (
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void (async () => {
              for (const order of orders) await onAct(order, together.action);
              setBusy(false);
            })();
          }}
        >
          {together.label}: the whole round
        </button>
      )}
      <ul class="tickets">
        {orders.map((order) => (
          <Ticket
            key={order.id}
            order={order}
            now={now}
            fresh={fresh.has(order.id)}
            actions={actions}
            onAct={onAct}
          />
        ))}
      </ul>
    </li>
  );
}

function Board() {
  const queue = useResource(loadQueue, 'queue');
  const [live, setLive] = useState(false);
  const [sound, setSound] = useState(false);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [announcement, setAnnouncement] = useState('');
  const [error, setError] = useState<string>();
  const now = useNow();
  const seen = useRef<Set<string> | undefined>(undefined);
  const highlightTimers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const reload = useRef(queue.reload);
  reload.current = queue.reload;

  useEffect(() => {
    const refetch = coalesce(() => reload.current());
    return followStream('/v1/queue/events', {
      onEvent: refetch,
      onOpen: () => {
        setLive(true);
        refetch();
      },
      onDown: () => setLive(false),
    });
  }, []);

  // A new order: chime, highlight and announce it. The first load is not news.
  const orders = queue.data;
  useEffect(() => {
    if (!orders) return;
    const placed = orders.filter((order) => order.status === 'placed');
    const known = seen.current;
    seen.current = new Set(orders.map((order) => order.id));
    if (!known) return;
    const arrived = placed.filter((order) => !known.has(order.id));
    if (arrived.length === 0) return;
    if (sound) chime();
    setAnnouncement(`New order from ${arrived.map((order) => order.customerName).join(', ')}`);
    setFresh((previous) => new Set([...previous, ...arrived.map((order) => order.id)]));
    // Not cleared by the next reload (events come often): only when the board goes away.
    highlightTimers.current.add(
      setTimeout(
        () =>
          setFresh((previous) => {
            const next = new Set(previous);
            for (const order of arrived) next.delete(order.id);
            return next;
          }),
        8_000,
      ),
    );
  }, [orders, sound]);
  useEffect(() => {
    const timers = highlightTimers.current;
    return () => {
      for (const timer of timers) clearTimeout(timer);
    };
  }, []);

  const act = async (order: Order, action: Action) => {
    setError(undefined);
    try {
      await api(`/v1/orders/${order.id}/${action}`, { method: 'POST' });
    } catch (failure) {
      setError(`${order.customerName}’s order: ${messageOf(failure)}`);
    }
    queue.reload();
  };

  return (
    <>
      <div class="board-bar">
        <p class="live" role="status">
          {live ? '● Live' : '○ Reconnecting…'}
        </p>
        <button
          type="button"
          class="secondary"
          aria-pressed={sound}
          onClick={() => {
            unlockSound();
            setSound(!sound);
          }}
        >
          {sound ? 'Sound on' : 'Sound off'}
        </button>
        <FullScreenButton />
      </div>
      <p class="visually-hidden" aria-live="assertive">
        {announcement}
      </p>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {!orders && queue.loading && <Loading what="the queue" />}
      {queue.error !== undefined && <ErrorState error={queue.error} retry={queue.reload} />}
      {orders && (
        <div class="board">
          {columns.map((column) => {
            const inColumn = orders
              .filter((order) => order.status === column.status)
              .sort((a, b) => Date.parse(a.placedAt) - Date.parse(b.placedAt));
            return (
              <section
                key={column.status}
                class={`column column-${column.status}`}
                aria-labelledby={`column-${column.status}`}
                data-testid={`column-${column.status}`}
              >
                <h2 id={`column-${column.status}`}>
                  {column.title} <span class="count">{inColumn.length}</span>
                </h2>
                {inColumn.length === 0 ? (
                  <p class="hint">Nothing here.</p>
                ) : (
                  <ul class="tickets">
                    {entriesOf(inColumn).map((entry) =>
                      'order' in entry ? (
                        <Ticket
                          key={entry.order.id}
                          order={entry.order}
                          now={now}
                          fresh={fresh.has(entry.order.id)}
                          actions={column.actions}
                          onAct={act}
                        />
                      ) : (
                        <RoundCard
                          key={entry.roundId}
                          roundId={entry.roundId}
                          orders={entry.orders}
                          now={now}
                          fresh={fresh}
                          actions={column.actions}
                          onAct={act}
                        />
                      ),
                    )}
                  </ul>
                )}
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}

/** Scheduled orders due within the hour: what will arrive on the board, and when it should be ready. */
function UpcomingScheduled() {
  const upcoming = useResource(
    (signal) =>
      api<{ runs: UpcomingRun[] }>('/v1/schedules/upcoming?withinMinutes=60', { signal }).then(
        (body) => body.runs,
      ),
    'upcoming',
  );
  useRefresh(upcoming.reload, 30_000);
  const runs = upcoming.data ?? [];
  return (
    <section class="upcoming" aria-labelledby="upcoming-title" data-testid="upcoming-scheduled">
      <h2 id="upcoming-title">
        Scheduled in the next hour <span class="count">{runs.length}</span>
      </h2>
      {runs.length === 0 ? (
        <p class="hint">Nothing scheduled.</p>
      ) : (
        <ul class="upcoming-runs">
          {runs.map((run) => (
            <li key={run.scheduleId}>
              <strong class="who">{run.customerName}</strong>{' '}
              {run.items.map((item) => `${item.quantity} × ${item.name}`).join(', ')}
              <span class="hint">
                {' '}
                · arrives about {formatClock(run.placeAt)}, ready by {formatClock(run.dueAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function BaristaPage() {
  useTitle('Barista board');
  const current = useStore(session);
  if (!current) return <SignInFirst what="work the queue" />;
  if (!hasRole(current, 'barista'))
    return (
      <section class="state">
        <h1>Barista board</h1>
        <p>The board is for baristas. An admin can give your account the barista role.</p>
      </section>
    );
  return (
    <section aria-labelledby="board-title" class="wide">
      <h1 id="board-title" class="visually-hidden">
        Barista board
      </h1>
      <Board />
      <UpcomingScheduled />
    </section>
  );
}
