import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, logOut, messageOf } from '../api.ts';
import { formatDay, formatMoney } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { POINTS_PER_FREE_DRINK } from '../loyalty.ts';
import { loadMenu } from '../menu-data.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { Customer, Favorite } from '../types.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { SignInFirst } from './sign-in.tsx';

function Favorites() {
  const favorites = useResource(
    (signal) =>
      api<{ favorites: Favorite[] }>('/v1/customers/me/favorites', { signal }).then(
        (body) => body.favorites,
      ),
    'favorites',
  );
  const menu = useResource(loadMenu, 'menu');
  const [error, setError] = useState<string>();
  const nameOf = (id: string) => menu.data?.find((item) => item.id === id)?.name ?? 'A drink';
  const optionNames = (favorite: Favorite) => {
    const item = menu.data?.find((candidate) => candidate.id === favorite.menuItemId);
    return (item?.optionGroups ?? [])
      .flatMap((group) => group.options)
      .filter((option) => favorite.options.includes(option.id) && !option.isDefault)
      .map((option) => option.name);
  };
  const remove = async (id: string) => {
    try {
      await api(`/v1/customers/me/favorites/${id}`, { method: 'DELETE' });
      favorites.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  return (
    <section aria-labelledby="favorites-title">
      <h2 id="favorites-title">Favorites</h2>
      {favorites.error !== undefined && (
        <ErrorState error={favorites.error} retry={favorites.reload} />
      )}
      {favorites.data?.length === 0 && (
        <Empty>No favorites yet: open a drink and tap “Save as my usual”.</Empty>
      )}
      <ul class="lines">
        {favorites.data?.map((favorite, index) => (
          <li key={favorite.menuItemId} class="line">
            <div>
              <strong>
                {favorite.quantity} × {nameOf(favorite.menuItemId)}
              </strong>
              {optionNames(favorite).length > 0 && (
                <span class="hint"> · {optionNames(favorite).join(', ')}</span>
              )}
              {index === 0 && <span class="badge">Your usual</span>}
            </div>
            <button
              type="button"
              class="secondary"
              aria-label={`Remove ${nameOf(favorite.menuItemId)} from favorites`}
              onClick={() => void remove(favorite.menuItemId)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function ProfilePage() {
  useTitle('Your profile');
  const { route } = useLocation();
  const signedIn = useStore(session) !== undefined;
  const me = useResource(
    (signal) =>
      signedIn ? api<Customer>('/v1/customers/me', { signal }) : Promise.resolve(undefined),
    String(signedIn),
  );
  if (!signedIn) return <SignInFirst what="see your points and tab" />;
  const customer = me.data;
  const toNext = customer
    ? POINTS_PER_FREE_DRINK - (customer.loyaltyPoints % POINTS_PER_FREE_DRINK)
    : 0;
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">{customer?.displayName ?? 'Your profile'}</h1>
      {!customer && me.loading && <Loading what="your profile" />}
      {me.error !== undefined && <ErrorState error={me.error} retry={me.reload} />}
      {customer && (
        <>
          <dl class="facts">
            <div>
              <dt>Loyalty points</dt>
              <dd data-testid="loyalty-points">{customer.loyaltyPoints}</dd>
              <dd class="hint">
                {customer.loyaltyPoints >= POINTS_PER_FREE_DRINK
                  ? 'Enough for a free drink: tick it in your cart.'
                  : `${toNext} more for a free drink.`}
              </dd>
            </div>
            <div>
              <dt>Tab</dt>
              <dd>{formatMoney(customer.tabBalanceCents)}</dd>
              <dd class="hint">Settled at the counter.</dd>
            </div>
            <div>
              <dt>Orders picked up</dt>
              <dd>{customer.stats.ordersCompleted}</dd>
              {customer.stats.lastOrderAt && (
                <dd class="hint">Last on {formatDay(customer.stats.lastOrderAt)}</dd>
              )}
            </div>
          </dl>
          <p class="hint">
            Signed in as {customer.email} ({customer.role}).
          </p>
        </>
      )}
      <Favorites />
      <p>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            logOut();
            route('/');
          }}
        >
          Sign out
        </button>
      </p>
    </section>
  );
}
