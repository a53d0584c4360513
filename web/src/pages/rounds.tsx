// A round for the table: start one or join with a code, pick your drinks, and (the starter)
// submit everyone's at once; then follow the whole round until it is ready.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, ApiError, messageOf } from '../api.ts';
import { followStream } from '../events.ts';
import { formatMoney, statusLabel } from '../format.ts';
import { coalesce, useRefresh, useResource, useTitle } from '../hooks.ts';
import { loadMenu } from '../menu-data.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { MenuItem, Round, RoundMember } from '../types.ts';
import { ErrorState, Loading } from '../ui.tsx';
import { SignInFirst } from './sign-in.tsx';

type Drinks = RoundMember['items'];

/** Members named in a refused submit, as the problem lists them. */
interface RefusedMember {
  customerId: string;
  name: string;
  reason: 'item-unavailable' | 'tab-refused';
  detail: string;
}

const drinkNames = (items: Drinks, menu: MenuItem[]) =>
  items
    .map(
      (item) =>
        `${item.quantity} × ${menu.find((entry) => entry.id === item.menuItemId)?.name ?? 'a drink'}`,
    )
    .join(', ');

/** Start a round, or join one with the code someone at the table shares. */
export function RoundsPage() {
  useTitle('Round for the table');
  const signedIn = useStore(session) !== undefined;
  const { route } = useLocation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!signedIn) return <SignInFirst what="order a round for the table" />;
  const go = async (request: Promise<Round>) => {
    setBusy(true);
    setError(undefined);
    try {
      route(`/rounds/${(await request).id}`);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="rounds-title" class="narrow">
      <h1 id="rounds-title">Round for the table</h1>
      <p class="lead">
        One person starts a round and shares its code; everyone adds their own drink; the starter
        sends it to the barista in one go.
      </p>
      <button
        type="button"
        class="primary-wide"
        disabled={busy}
        onClick={() => void go(api<Round>('/v1/rounds', { method: 'POST' }))}
      >
        Start a round
      </button>
      <form
        class="schedule-form"
        onSubmit={(event) => {
          event.preventDefault();
          void go(api<Round>('/v1/rounds/join', { method: 'POST', body: { code } }));
        }}
      >
        <h2>Join a round</h2>
        <div class="field">
          <label for="round-code">Code from the table</label>
          <input
            id="round-code"
            autocomplete="off"
            autocapitalize="characters"
            maxLength={16}
            value={code}
            aria-describedby={error ? 'round-join-error' : undefined}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy || code.trim() === ''}>
          Join
        </button>
        {error && (
          <p id="round-join-error" class="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

/** The shared link: joins at once and goes to the round. */
export function JoinRoundPage() {
  useTitle('Joining a round');
  const { params } = useRoute();
  const { route } = useLocation();
  const signedIn = useStore(session) !== undefined;
  const [error, setError] = useState<unknown>();
  const code = params.code ?? '';
  useEffect(() => {
    if (!signedIn) return;
    api<Round>('/v1/rounds/join', { method: 'POST', body: { code } }).then(
      (round) => route(`/rounds/${round.id}`, true),
      setError,
    );
  }, [code, signedIn, route]);
  if (!signedIn) return <SignInFirst what="join this round" />;
  if (error !== undefined)
    return (
      <section class="narrow">
        <h1>Round {code}</h1>
        <ErrorState error={error} />
        <p>
          <a href="/rounds">Start a round or type a code</a>
        </p>
      </section>
    );
  return <Loading what={`round ${code}`} />;
}

/** Your own drinks: pick from the menu; each change is saved for the table to see. */
function MyDrinks({
  round,
  mine,
  menu,
  onSaved,
}: {
  round: Round;
  mine: RoundMember;
  menu: MenuItem[];
  onSaved: () => void;
}) {
  const available = menu.filter((item) => item.available);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string>();
  const save = async (items: Drinks) => {
    setError(undefined);
    try {
      await api<Round>(`/v1/rounds/${round.id}/items`, {
        method: 'PUT',
        body: {
          items: items.map((item) => ({
            menuItemId: item.menuItemId,
            quantity: item.quantity,
            options: item.options,
          })),
        },
      });
    } catch (failure) {
      setError(messageOf(failure));
    }
    onSaved();
  };
  const picked = choice || available[0]?.id || '';
  return (
    <div class="schedule-form" data-testid="my-drinks">
      <h2>Your drinks</h2>
      {mine.items.length === 0 ? (
        <p class="hint">Nothing yet.</p>
      ) : (
        <ul class="runs">
          {mine.items.map((item, index) => (
            <li key={`${item.menuItemId}-${index}`}>
              {drinkNames([item], menu)}{' '}
              <button
                type="button"
                class="secondary"
                aria-label={`Remove ${drinkNames([item], menu)}`}
                onClick={() => void save(mine.items.filter((_, other) => other !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="field-row">
        <div class="field">
          <label for="round-drink">Add a drink</label>
          <select
            id="round-drink"
            value={picked}
            onChange={(event) => setChoice(event.currentTarget.value)}
          >
            {available.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name} · {formatMoney(item.priceCents)}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          disabled={!picked}
          onClick={() =>
            void save([...mine.items, { menuItemId: picked, quantity: 1, options: [] }])
          }
        >
          Add
        </button>
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The starter's submit, with "I'll pay for everyone" and going on without a refused tab. */
function Submit({ round, onDone }: { round: Round; onDone: () => void }) {
  const [payForEveryone, setPayForEveryone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<{ message: string; members: RefusedMember[] }>();
  const [error, setError] = useState<string>();
  const submit = async (without: string[]) => {
    setBusy(true);
    setError(undefined);
    setRefused(undefined);
    try {
      await api<Round>(`/v1/rounds/${round.id}/submit`, {
        method: 'POST',
        body: { payForEveryone, ...(without.length > 0 ? { without } : {}) },
      });
    } catch (failure) {
      const members =
        failure instanceof ApiError
          ? ((failure.problem as { members?: RefusedMember[] }).members ?? [])
          : [];
      if (members.length > 0) setRefused({ message: messageOf(failure), members });
      else setError(messageOf(failure));
    }
    setBusy(false);
    onDone();
  };
  const tabRefused = refused?.members.filter((member) => member.reason === 'tab-refused') ?? [];
  const hasDrinks = round.members.some((member) => member.items.length > 0);
  return (
    <div class="schedule-form">
      <h2>Send the round</h2>
      <label class="choice">
        <input
          type="checkbox"
          checked={payForEveryone}
          onChange={(event) => setPayForEveryone(event.currentTarget.checked)}
        />{' '}
        I’ll pay for everyone ({formatMoney(round.totalCents)})
      </label>
      <button
        type="button"
        class="primary-wide"
        disabled={busy || !hasDrinks}
        onClick={() => void submit([])}
      >
        Send the round to the barista
      </button>
      {refused && (
        <div role="alert" class="state error">
          <p>
            <strong>Nothing was sent.</strong> {refused.message}
          </p>
          <ul>
            {refused.members.map((member) => (
              <li key={`${member.customerId}-${member.reason}`}>
                {member.name}: {member.detail}
              </li>
            ))}
          </ul>
          {tabRefused.length > 0 && tabRefused.length === refused.members.length && (
            <button
              type="button"
              disabled={busy}
              onClick={() => void submit(tabRefused.map((member) => member.customerId))}
            >
              Go on without {tabRefused.map((member) => member.name).join(', ')}
            </button>
          )}
        </div>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

const allReady = (round: Round) => {
  const ordered = round.members.filter((member) => member.orderStatus);
  return (
    ordered.some((member) => member.orderStatus === 'ready') &&
    ordered.every((member) => member.orderStatus !== 'placed' && member.orderStatus !== 'accepted')
  );
};

/** One round: the code to share, everyone's drinks, and then the table's tracker. */
export function RoundPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? '';
  const me = useStore(session);
  const round = useResource((signal) => api<Round>(`/v1/rounds/${id}`, { signal }), id);
  const menu = useResource((signal) => loadMenu(signal), 'menu');
  const [actionError, setActionError] = useState<string>();
  const current = round.data;
  useTitle(current ? `Round ${current.code}` : 'Round for the table');
  // Others add drinks from their own phones: look again every few seconds while it is open.
  useRefresh(round.reload, 4_000);
  const mine = current?.members.find((member) => member.customerId === me?.userId);
  const reload = useRef(round.reload);
  reload.current = round.reload;
  const myOrder = mine?.orderId;
  useEffect(() => {
    if (!myOrder) return;
    const refetch = coalesce(() => reload.current());
    return followStream(`/v1/orders/${myOrder}/events`, { onEvent: refetch });
  }, [myOrder]);
  if (!me) return <SignInFirst what="see this round" />;
  if (!current)
    return round.error !== undefined ? (
      <ErrorState error={round.error} retry={round.reload} />
    ) : (
      <Loading what="the round" />
    );
  const starter = current.starterId === me.userId;
  const link = `${location.origin}${current.joinPath}`;
  const leave = async (path: string) => {
    setActionError(undefined);
    try {
      await api(`/v1/rounds/${id}${path}`, { method: 'DELETE' });
      route('/rounds');
    } catch (failure) {
      setActionError(messageOf(failure));
    }
  };
  return (
    <section aria-labelledby="round-title">
      <h1 id="round-title">Round for the table</h1>
      {current.status === 'open' && (
        <div class="status-card">
          <p>Share this code with the table</p>
          <p
            class="round-code"
            data-testid="round-code"
            aria-label={`Code ${current.code.split('').join(' ')}`}
          >
            {current.code}
          </p>
          <p class="hint">
            or the link <a href={current.joinPath}>{link}</a>
          </p>
        </div>
      )}
      {current.status === 'submitted' && (
        <div class={`status-card ${allReady(current) ? 'status-ready' : ''}`}>
          <h2 data-testid="round-status" aria-live="assertive">
            {allReady(current) ? 'Your round is ready!' : 'Sent to the barista'}
          </h2>
          {current.payer === 'starter' && <p>The starter pays for everyone.</p>}
        </div>
      )}
      <ul class="lines" aria-label="Who has what">
        {current.members.map((member) => (
          <li key={member.customerId} class="line" data-testid={`member-${member.name}`}>
            <div>
              <strong>
                {member.name}
                {member.customerId === current.starterId && ' (started it)'}
              </strong>
              <span class="hint">
                {' '}
                ·{' '}
                {member.items.length > 0
                  ? drinkNames(member.items, menu.data ?? [])
                  : 'still choosing'}
              </span>
              {member.orderStatus && <span class="badge"> {statusLabel[member.orderStatus]}</span>}
            </div>
            <span class="price">{formatMoney(member.subtotalCents)}</span>
          </li>
        ))}
      </ul>
      <p class="total">
        Total <strong>{formatMoney(current.totalCents)}</strong>
      </p>
      {current.status === 'open' && mine && (
        <MyDrinks round={current} mine={mine} menu={menu.data ?? []} onSaved={round.reload} />
      )}
      {current.status === 'open' && starter && <Submit round={current} onDone={round.reload} />}
      {current.status === 'open' && (
        <div class="actions">
          {starter ? (
            <button type="button" class="danger" onClick={() => void leave('')}>
              Cancel the round
            </button>
          ) : (
            <button type="button" class="secondary" onClick={() => void leave('/members/me')}>
              Leave the round
            </button>
          )}
        </div>
      )}
      {myOrder && (
        <p>
          <a href={`/orders/${myOrder}`}>Your drink’s own tracker</a>
        </p>
      )}
      {actionError && (
        <p class="field-error" role="alert">
          {actionError}
        </p>
      )}
    </section>
  );
}
