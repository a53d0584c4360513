import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, messageOf } from '../api.ts';
import { addToCart } from '../cart.ts';
import { formatMoney } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { loadMenu } from '../menu-data.ts';
import { defaultOptions, unitPrice } from '../menu-pricing.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { MenuItem, OptionGroup } from '../types.ts';
import { ErrorState, Loading } from '../ui.tsx';

function OptionGroupField({
  group,
  chosen,
  onChange,
}: {
  group: OptionGroup;
  chosen: string[];
  onChange: (chosen: string[]) => void;
}) {
  const single = group.maxChoices === 1;
  const inGroup = (id: string) => group.options.some((option) => option.id === id);
  const choose = (id: string, checked: boolean) => {
    const others = chosen.filter((candidate) => !inGroup(candidate));
    const mine = chosen.filter(inGroup);
    if (single) onChange([...others, id]);
    else if (checked) onChange([...others, ...mine, id].slice(0, others.length + group.maxChoices));
    else onChange([...others, ...mine.filter((candidate) => candidate !== id)]);
  };
  return (
    <fieldset class="options">
      <legend>
        {group.name}
        {!single && <span class="hint"> (up to {group.maxChoices})</span>}
      </legend>
      {group.options.map((option) => (
        <label key={option.id} class="choice">
          <input
            type={single ? 'radio' : 'checkbox'}
            name={group.id}
            value={option.id}
            checked={chosen.includes(option.id)}
            onChange={(event) => choose(option.id, event.currentTarget.checked)}
          />
          <span>{option.name}</span>
          {option.priceDeltaCents !== 0 && (
            <span class="delta">
              {option.priceDeltaCents > 0 ? '+' : '−'}
              {formatMoney(Math.abs(option.priceDeltaCents))}
            </span>
          )}
        </label>
      ))}
    </fieldset>
  );
}

function DrinkForm({ item }: { item: MenuItem }) {
  const { route } = useLocation();
  const signedIn = useStore(session) !== undefined;
  const [chosen, setChosen] = useState(() => defaultOptions(item));
  const [quantity, setQuantity] = useState(1);
  const [note, setNote] = useState<string>();
  const price = unitPrice(item, chosen);
  const names = item.optionGroups
    .flatMap((group) => group.options)
    .filter((option) => chosen.includes(option.id) && !option.isDefault)
    .map((option) => option.name);
  const add = (event: Event) => {
    event.preventDefault();
    addToCart({
      menuItemId: item.id,
      name: item.name,
      optionIds: chosen,
      optionNames: names,
      unitPriceCents: price,
      quantity,
    });
    route('/cart');
  };
  const saveUsual = async () => {
    try {
      await api(`/v1/customers/me/favorites/${item.id}`, {
        method: 'PUT',
        body: { options: chosen, quantity },
      });
      setNote(`Saved: “Order my usual” now orders ${quantity} × ${item.name}.`);
    } catch (error) {
      setNote(messageOf(error));
    }
  };
  return (
    <form onSubmit={add} class="drink-form">
      {item.optionGroups.map((group) => (
        <OptionGroupField key={group.id} group={group} chosen={chosen} onChange={setChosen} />
      ))}
      <div class="quantity">
        <label for="quantity">Quantity</label>
        <button
          type="button"
          class="step"
          aria-label="One fewer"
          onClick={() => setQuantity((count) => Math.max(1, count - 1))}
        >
          −
        </button>
        <input
          id="quantity"
          type="number"
          inputMode="numeric"
          min={1}
          max={20}
          value={quantity}
          onInput={(event) =>
            setQuantity(Math.min(20, Math.max(1, Number(event.currentTarget.value) || 1)))
          }
        />
        <button
          type="button"
          class="step"
          aria-label="One more"
          onClick={() => setQuantity((count) => Math.min(20, count + 1))}
        >
          +
        </button>
      </div>
      <div class="actions">
        <button type="submit" disabled={!item.available}>
          Add to cart · {formatMoney(price * quantity)}
        </button>
        {signedIn && (
          <button type="button" class="secondary" onClick={() => void saveUsual()}>
            Save as my usual
          </button>
        )}
      </div>
      <p role="status" class="note">
        {note}
      </p>
    </form>
  );
}

export function DrinkPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const menu = useResource(loadMenu, 'menu');
  const item = menu.data?.find((candidate) => candidate.id === id);
  useTitle(item?.name ?? 'Drink');
  return (
    <section aria-labelledby="drink-title">
      <p>
        <a href="/">← Menu</a>
      </p>
      {!menu.data && menu.loading && <Loading what="the drink" />}
      {menu.error !== undefined && <ErrorState error={menu.error} retry={menu.reload} />}
      {menu.data && !item && <h1 id="drink-title">This drink is no longer on the menu.</h1>}
      {item && (
        <>
          <h1 id="drink-title">{item.name}</h1>
          <p class="lead">{item.description}</p>
          {!item.available && (
            <p class="state error" role="alert">
              {item.name} is unavailable right now.
            </p>
          )}
          <DrinkForm item={item} />
        </>
      )}
    </section>
  );
}
