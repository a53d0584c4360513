import { metrics } from '@opentelemetry/api';
import type pg from 'pg';

// The order service's own metrics: what the café cares about (the funnel and its waits, the
// drinks) and what keeps events flowing (the outbox). Names follow OpenTelemetry's style;
// Prometheus sees dots as underscores (counters end in _total). The instruments are created
// when this module loads, which main.ts orders after telemetry started.
const meter = metrics.getMeter('everything.order');

const transitions = meter.createCounter('everything.order.transitions', {
  description: 'Orders entering a status (placed, accepted, ready, completed, cancelled, …)',
});
const stageDuration = meter.createHistogram('everything.order.stage.duration', {
  description: 'Time an order spent between two statuses customers care about',
  unit: 's',
  advice: {
    explicitBucketBoundaries: [5, 15, 30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 3600],
  },
});
const drinks = meter.createCounter('everything.drinks.ordered', {
  description: 'Drinks ordered, by menu item',
});

export function countPlaced(lines: { name: string; quantity: number }[]): void {
  transitions.add(1, { status: 'placed' });
  for (const line of lines) drinks.add(line.quantity, { menu_item: line.name });
}

/** Seconds since each earlier milestone, as the transition's UPDATE returned them. */
export interface Milestones {
  since_placed: number | null;
  since_accepted: number | null;
  since_ready: number | null;
}

export function countTransition(to: string, since: Milestones): void {
  transitions.add(1, { status: to });
  const stage =
    to === 'accepted'
      ? { name: 'placed_to_accepted', seconds: since.since_placed }
      : to === 'ready'
        ? { name: 'accepted_to_ready', seconds: since.since_accepted }
        : to === 'completed'
          ? { name: 'ready_to_picked_up', seconds: since.since_ready }
          : undefined;
  if (stage?.seconds != null) stageDuration.record(stage.seconds, { stage: stage.name });
}

/**
 * Gauges read from the database at scrape time: the outbox backlog (events not yet on Kafka,
 * and the age of the oldest), the orders in each status, and how long the longest-waiting open
 * order has been in its status (an accepted order nobody marks ready alerts on it). A failed
 * read skips one scrape.
 */
export function observeOrderDatabase(pool: pg.Pool): void {
  const backlog = meter.createObservableGauge('everything.outbox.backlog', {
    description: 'Outbox events not yet published to Kafka',
  });
  const oldest = meter.createObservableGauge('everything.outbox.oldest.age', {
    description: 'Age of the oldest unpublished outbox event (0 when none)',
    unit: 's',
  });
  const byStatus = meter.createObservableGauge('everything.orders.current', {
    description: 'Orders in each status now',
  });
  const oldestOpen = meter.createObservableGauge('everything.orders.oldest.age', {
    description:
      'Time the longest-waiting open order has been in its status (placed, accepted, ready; 0 when none)',
    unit: 's',
  });
  meter.addBatchObservableCallback(
    async (observer) => {
      try {
        const outbox = await pool.query<{ backlog: string; age: number | null }>(
          `SELECT count(*) AS backlog, extract(epoch FROM now() - min(occurred_at))::float8 AS age
             FROM outbox WHERE published_at IS NULL`,
        );
        observer.observe(backlog, Number(outbox.rows[0]?.backlog ?? 0));
        observer.observe(oldest, outbox.rows[0]?.age ?? 0);
        const orders = await pool.query<{ status: string; count: string }>(
          'SELECT status, count(*) AS count FROM orders GROUP BY status',
        );
        for (const row of orders.rows)
          observer.observe(byStatus, Number(row.count), { status: row.status });
        const waiting = await pool.query<{ status: string; age: number }>(
          `SELECT status, extract(epoch FROM now() - min(updated_at))::float8 AS age
             FROM orders WHERE status IN ('placed', 'accepted', 'ready') GROUP BY status`,
        );
        for (const status of ['placed', 'accepted', 'ready'])
          observer.observe(
            oldestOpen,
            waiting.rows.find((row) => row.status === status)?.age ?? 0,
            {
              status,
            },
          );
      } catch {
        // The database is down: readiness reports it; the gauges skip this scrape.
      }
    },
    [backlog, oldest, byStatus, oldestOpen],
  );
}

/** The live event streams this replica serves, and the most events a slow one has waiting. */
export function observeOrderFeed(feed: { usage: { watchers: number; mostHeld: number } }): void {
  meter
    .createObservableGauge('everything.order_feed.watchers', {
      description: 'Event streams (barista queues and order trackers) open on this replica',
    })
    .addCallback((observer) => observer.observe(feed.usage.watchers));
  meter
    .createObservableGauge('everything.order_feed.held_events', {
      description:
        'Most events any one stream has waiting in memory (bounded; a slower one reads the log)',
    })
    .addCallback((observer) => observer.observe(feed.usage.mostHeld));
}
