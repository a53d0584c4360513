import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.ts';
import { formatMoney } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { loadMenuRevalidated } from '../menu-data.ts';
import { hasRole, session } from '../session.ts';
import { useStore } from '../store.ts';
import type { MenuItem, OptionGroup } from '../types.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { SignInFirst } from './sign-in.tsx';

const toCents = (text: string) => Math.round(Number(text.replace(',', '.')) * 100);

interface Draft {
  name: string;
  description: string;
  category: string;
  price: string;
  available: boolean;
  optionGroupIds: string[];
}

const draftOf = (item: MenuItem): Draft => ({
  name: item.name,
  description: item.description,
  category: item.category,
  price: (item.priceCents / 100).toFixed(2),
  available: item.available,
  optionGroupIds: item.optionGroups.map((group) => group.id),
});

function ItemEditor({
  draft,
  groups,
  idPrefix,
  onChange,
}: {
  draft: Draft;
  groups: OptionGroup[];
  idPrefix: string;
  onChange: (draft: Draft) => void;
}) {
  const text = (field: 'name' | 'description' | 'category' | 'price', label: string) => (
    <div class="field">
      <label for={`${idPrefix}-${field}`}>{label}</label>
      <input
        id={`${idPrefix}-${field}`}
        value={draft[field]}
        inputMode={field === 'price' ? 'decimal' : undefined}
        required={field !== 'description'}
        onInput={(event) => onChange({ ...draft, [field]: event.currentTarget.value })}
      />
    </div>
  );
  return (
    <>
      <div class="field-row">
        {text('name', 'Name')}
        {text('category', 'Category')}
        {text('price', 'Price')}
      </div>
      {text('description', 'Description')}
      <fieldset class="options inline">
        <legend>Options offered</legend>
        {groups.map((group) => (
          <label key={group.id} class="choice">
            <input
              type="checkbox"
              checked={draft.optionGroupIds.includes(group.id)}
              onChange={(event) =>
                onChange({
                  ...draft,
                  optionGroupIds: event.currentTarget.checked
                    ? [...draft.optionGroupIds, group.id]
                    : draft.optionGroupIds.filter((id) => id !== group.id),
                })
              }
            />
            <span>{group.name}</span>
          </label>
        ))}
      </fieldset>
      <label class="choice">
        <input
          type="checkbox"
          checked={draft.available}
          onChange={(event) => onChange({ ...draft, available: event.currentTarget.checked })}
        />
        <span>Available</span>
      </label>
    </>
  );
}

const bodyOf = (draft: Draft) => ({
  name: draft.name.trim(),
  description: draft.description.trim(),
  category: draft.category.trim(),
  priceCents: toCents(draft.price),
  available: draft.available,
  optionGroupIds: draft.optionGroupIds,
});

function ItemRow({
  item,
  groups,
  onSaved,
}: {
  item: MenuItem;
  groups: OptionGroup[];
  onSaved: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(() => draftOf(item));
  // Shown at once when toggled; put back if the server refuses.
  const [available, setAvailable] = useState(item.available);
  const [status, setStatus] = useState<string>();
  // The saved item, whenever it changes; an open form keeps what the admin is typing.
  useEffect(() => {
    setAvailable(item.available);
    if (!open) setDraft(draftOf(item));
  }, [item, open]);
  const save = async (changes: Partial<ReturnType<typeof bodyOf>>) => {
    setStatus('Saving…');
    try {
      await api(`/v1/menu/items/${item.id}`, { method: 'PATCH', body: changes });
      setStatus('Saved.');
      onSaved();
    } catch (error) {
      setAvailable(item.available);
      setStatus(messageOf(error));
    }
  };
  const remove = async () => {
    if (!confirm(`Remove ${item.name} from the menu?`)) return;
    try {
      await api(`/v1/menu/items/${item.id}`, { method: 'DELETE' });
      onSaved();
    } catch (error) {
      setStatus(messageOf(error));
    }
  };
  return (
    <li class="admin-item" data-testid={`admin-item-${item.name}`}>
      <div class="admin-summary">
        <strong>{item.name}</strong>
        <span class="hint">
          {item.category} · {formatMoney(item.priceCents)}
        </span>
        <label class="choice">
          <input
            type="checkbox"
            checked={available}
            onChange={(event) => {
              setAvailable(event.currentTarget.checked);
              void save({ available: event.currentTarget.checked });
            }}
          />
          <span>Available</span>
        </label>
        <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Close' : 'Edit'}
        </button>
      </div>
      {open && (
        <form
          class="admin-form"
          onSubmit={(event) => {
            event.preventDefault();
            void save(bodyOf(draft));
          }}
        >
          <ItemEditor
            draft={draft}
            groups={groups}
            idPrefix={`item-${item.id}`}
            onChange={setDraft}
          />
          <div class="actions">
            <button type="submit">Save {item.name}</button>
            <button type="button" class="danger" onClick={() => void remove()}>
              Remove
            </button>
          </div>
        </form>
      )}
      <p role="status" class="note">
        {status}
      </p>
    </li>
  );
}

function AddItem({ groups, onSaved }: { groups: OptionGroup[]; onSaved: () => void }) {
  const empty: Draft = {
    name: '',
    description: '',
    category: 'Coffee',
    price: '',
    available: true,
    optionGroupIds: [],
  };
  const [draft, setDraft] = useState(empty);
  const [status, setStatus] = useState<string>();
  const add = async (event: Event) => {
    event.preventDefault();
    try {
      await api('/v1/menu/items', { method: 'POST', body: bodyOf(draft) });
      setStatus(`${draft.name} is on the menu.`);
      setDraft(empty);
      onSaved();
    } catch (error) {
      setStatus(messageOf(error));
    }
  };
  return (
    <details class="add-item">
      <summary>Add a drink</summary>
      <form onSubmit={(event) => void add(event)} class="admin-form">
        <ItemEditor draft={draft} groups={groups} idPrefix="new" onChange={setDraft} />
        <button type="submit">Add to the menu</button>
        <p role="status" class="note">
          {status}
        </p>
      </form>
    </details>
  );
}

function DisplayLink() {
  const [link, setLink] = useState<string>();
  const [status, setStatus] = useState<string>();
  const create = async () => {
    try {
      const { key } = await api<{ key: string }>('/v1/displays', { method: 'POST' });
      setLink(`${location.origin}/display#key=${encodeURIComponent(key)}`);
      setStatus(undefined);
    } catch (error) {
      setStatus(messageOf(error));
    }
  };
  const revoke = async () => {
    try {
      await api('/v1/displays', { method: 'DELETE' });
      setLink(undefined);
      setStatus('Every display link so far has stopped working.');
    } catch (error) {
      setStatus(messageOf(error));
    }
  };
  return (
    <section aria-labelledby="display-title">
      <h2 id="display-title">Pickup display</h2>
      <p class="hint">
        Open this link once on the kitchen TV: it shows ready orders by name, with no sign-in and
        nothing else.
      </p>
      <div class="actions">
        <button type="button" onClick={() => void create()}>
          Create a display link
        </button>
        <button type="button" class="secondary" onClick={() => void revoke()}>
          Revoke all display links
        </button>
      </div>
      {link && (
        <p>
          <label for="display-link">Display link</label>
          <input
            id="display-link"
            readOnly
            value={link}
            onFocus={(event) => event.currentTarget.select()}
          />
        </p>
      )}
      <p role="status" class="note">
        {status}
      </p>
    </section>
  );
}

export function AdminPage() {
  useTitle('Admin');
  const current = useStore(session);
  const menu = useResource(loadMenuRevalidated, 'menu');
  if (!current) return <SignInFirst what="manage the menu" />;
  if (!hasRole(current, 'admin'))
    return (
      <section class="state">
        <h1>Admin</h1>
        <p>Managing the menu needs the admin role.</p>
      </section>
    );
  const items = menu.data;
  const groups = [
    ...new Map(
      (items ?? []).flatMap((item) => item.optionGroups).map((group) => [group.id, group]),
    ).values(),
  ];
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Menu admin</h1>
      {!items && menu.loading && <Loading what="the menu" />}
      {menu.error !== undefined && <ErrorState error={menu.error} retry={menu.reload} />}
      {items && <AddItem groups={groups} onSaved={menu.reload} />}
      {items?.length === 0 && <Empty>The menu is empty.</Empty>}
      <ul class="admin-items">
        {items?.map((item) => (
          <ItemRow key={item.id} item={item} groups={groups} onSaved={menu.reload} />
        ))}
      </ul>
      <DisplayLink />
    </section>
  );
}
