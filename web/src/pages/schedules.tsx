import { useState } from 'preact/hooks';
import { api, messageOf } from '../api.ts';
import { formatClock, formatDay } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { loadMenu } from '../menu-data.ts';
import { session } from '../session.ts';
import { useStore } from '../store.ts';
import type { MenuItem, Schedule, ScheduleRun } from '../types.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { SignInFirst } from './sign-in.tsx';

const dayLabels = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

const outcomeLabel: Record<ScheduleRun['outcome'], string> = {
  placed: 'Placed',
  skipped: 'Skipped',
  failed: 'Failed',
};

function when(schedule: Schedule): string {
  if (schedule.kind === 'one-off' && schedule.at) return `Once, ready ${formatDay(schedule.at)}`;
  const days = (schedule.days ?? []).map((day) => dayLabels[day]).join(', ');
  return `${schedule.time ?? ''} on ${days} (${schedule.timeZone})`;
}

function Runs({ schedule }: { schedule: Schedule }) {
  const runs = useResource(
    (signal) =>
      api<{ runs: ScheduleRun[] }>(`/v1/schedules/${schedule.id}/runs?limit=10`, { signal }).then(
        (body) => body.runs,
      ),
    `${schedule.id}:${schedule.nextRunAt ?? ''}`,
  );
  if (!runs.data) return runs.loading ? <Loading what="past runs" /> : null;
  if (runs.data.length === 0) return <p class="hint">No runs yet.</p>;
  return (
    <ul class="runs">
      {runs.data.map((run) => (
        <li key={run.key}>
          <span class={`badge run-${run.outcome}`}>{outcomeLabel[run.outcome]}</span>{' '}
          {formatDay(run.dueAt)}
          {run.reason && <span class="hint"> · {run.reason}</span>}
          {run.orderId && (
            <>
              {' '}
              · <a href={`/orders/${run.orderId}`}>the order</a>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function ScheduleCard({
  schedule,
  menu,
  onChanged,
}: {
  schedule: Schedule;
  menu: MenuItem[];
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const names = schedule.items
    .map(
      (item) =>
        `${item.quantity} × ${menu.find((entry) => entry.id === item.menuItemId)?.name ?? 'a drink'}`,
    )
    .join(', ');
  const change = async (path: string, method = 'POST') => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`/v1/schedules/${schedule.id}${path}`, { method });
    } catch (failure) {
      setError(messageOf(failure));
    }
    setBusy(false);
    onChanged();
  };
  return (
    <li class="schedule" data-testid={`schedule-${schedule.id}`}>
      <h2>{names}</h2>
      <p>{when(schedule)}</p>
      <p role="status">
        {schedule.paused ? (
          'Paused.'
        ) : schedule.nextRunAt && schedule.nextPlaceAt ? (
          <>
            Next: ready {formatDay(schedule.nextRunAt)}. We place it around{' '}
            {formatClock(schedule.nextPlaceAt)}, at the barista’s current pace.
          </>
        ) : (
          'Nothing left to run.'
        )}
      </p>
      <div class="schedule-actions">
        {schedule.paused ? (
          <button type="button" disabled={busy} onClick={() => void change('/resume')}>
            Resume
          </button>
        ) : (
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => void change('/pause')}
          >
            Pause
          </button>
        )}
        {!schedule.paused && schedule.nextRunAt && (
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => void change('/skip-next')}
          >
            Skip the next one
          </button>
        )}
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() => void change('', 'DELETE')}
        >
          Delete
        </button>
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <details>
        <summary>Past runs</summary>
        <Runs schedule={schedule} />
      </details>
    </li>
  );
}

export function SchedulesPage() {
  useTitle('Scheduled orders');
  const signedIn = useStore(session) !== undefined;
  const schedules = useResource(
    (signal) =>
      signedIn
        ? api<{ schedules: Schedule[] }>('/v1/schedules', { signal }).then((body) => body.schedules)
        : Promise.resolve([]),
    String(signedIn),
  );
  const menu = useResource((signal) => loadMenu(signal), 'menu');
  if (!signedIn) return <SignInFirst what="see your scheduled orders" />;
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Scheduled orders</h1>
      {!schedules.data && schedules.loading && <Loading what="your schedules" />}
      {schedules.error !== undefined && (
        <ErrorState error={schedules.error} retry={schedules.reload} />
      )}
      {schedules.data?.length === 0 && (
        <Empty>
          Nothing scheduled. Put a drink in your <a href="/cart">cart</a> and choose “Schedule it”.
        </Empty>
      )}
      <ul class="schedules">
        {schedules.data?.map((schedule) => (
          <ScheduleCard
            key={schedule.id}
            schedule={schedule}
            menu={menu.data ?? []}
            onChanged={schedules.reload}
          />
        ))}
      </ul>
    </section>
  );
}
