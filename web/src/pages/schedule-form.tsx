import { useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, messageOf } from '../api.ts';
import { clearCart, type Cart } from '../cart.ts';
import type { Schedule, Weekday } from '../types.ts';

const dayNames: [Weekday, string][] = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
];

/** Today's (or, once past, tomorrow's) instant of a local "HH:MM". */
function nextInstantOf(time: string): Date {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  const at = new Date();
  at.setHours(hours, minutes, 0, 0);
  if (at.getTime() < Date.now() - 60_000) at.setDate(at.getDate() + 1);
  return at;
}

/** "Have it ready at…": the cart as a one-off or repeating scheduled order, in this device's time zone. */
export function ScheduleForm({ cart }: { cart: Cart }) {
  const { route } = useLocation();
  const [kind, setKind] = useState<'one-off' | 'repeating'>('one-off');
  const [time, setTime] = useState('07:30');
  const [days, setDays] = useState<Weekday[]>(['mon', 'tue', 'wed', 'thu', 'fri']);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    setError(undefined);
    try {
      const schedule = await api<Schedule>('/v1/schedules', {
        method: 'POST',
        // One schedule per cart and choice: a double tap, a retry after a lost answer or the same
        // cart sent from two tabs makes one schedule. Another time or other days is another request.
        headers: {
          'idempotency-key': `${cart.checkoutKey}:schedule:${kind}:${time}:${kind === 'repeating' ? days.join(',') : ''}`,
        },
        body: {
          items: cart.lines.map((line) => ({
            menuItemId: line.menuItemId,
            quantity: line.quantity,
            options: line.optionIds,
          })),
          timeZone,
          ...(kind === 'one-off' ? { at: nextInstantOf(time).toISOString() } : { time, days }),
        },
      });
      clearCart();
      route(schedule.placedOrderId ? `/orders/${schedule.placedOrderId}` : '/schedules');
    } catch (failure) {
      setError(
        failure instanceof ApiError
          ? (failure.fieldError('days') ?? failure.fieldError('time') ?? messageOf(failure))
          : messageOf(failure),
      );
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  return (
    <form
      class="schedule-form"
      onSubmit={(event) => void submit(event)}
      aria-labelledby="schedule-title"
    >
      <h2 id="schedule-title">Or have it ready later</h2>
      <fieldset>
        <legend>When</legend>
        <label class="choice">
          <input
            type="radio"
            name="schedule-kind"
            checked={kind === 'one-off'}
            onChange={() => setKind('one-off')}
          />
          <span>Once</span>
        </label>
        <label class="choice">
          <input
            type="radio"
            name="schedule-kind"
            checked={kind === 'repeating'}
            onChange={() => setKind('repeating')}
          />
          <span>Every week, on the days below</span>
        </label>
      </fieldset>
      <label>
        Ready at
        <input
          type="time"
          required
          value={time}
          onInput={(event) => setTime(event.currentTarget.value)}
        />
      </label>
      {kind === 'repeating' && (
        <fieldset class="days">
          <legend>Days</legend>
          {dayNames.map(([day, name]) => (
            <label key={day} class="choice">
              <input
                type="checkbox"
                checked={days.includes(day)}
                onChange={(event) =>
                  setDays(
                    event.currentTarget.checked
                      ? dayNames.map(([d]) => d).filter((d) => d === day || days.includes(d))
                      : days.filter((d) => d !== day),
                  )
                }
              />
              <span>{name}</span>
            </label>
          ))}
        </fieldset>
      )}
      <p class="hint">
        We place it early enough to be ready then, at the barista’s current pace ({timeZone}).
      </p>
      <button type="submit" class="secondary" disabled={busy} aria-busy={busy}>
        {busy ? 'Scheduling…' : 'Schedule it'}
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
