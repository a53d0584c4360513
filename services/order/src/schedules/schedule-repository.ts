import type pg from 'pg';
import { withTransaction } from '@everything/postgres';
import type { LineRequest } from '../orders/pricing.ts';
import type { Weekday } from './recurrence.ts';
import {
  MAX_LIVE_SCHEDULES,
  TooManySchedulesError,
  type RunOutcome,
  type Schedule,
  type ScheduleRun,
} from './schedule.ts';

interface ScheduleRow {
  id: string;
  customer_id: string;
  customer_name: string;
  items: LineRequest[];
  redeem_free_drink: boolean;
  time_zone: string;
  at: Date | null;
  time_of_day: string | null;
  days: Weekday[] | null;
  paused: boolean;
  next_run_key: string | null;
  next_run_at: Date | null;
  next_place_at: Date | null;
  created_at: Date;
}

interface RunRow {
  run_key: string;
  due_at: Date;
  outcome: RunOutcome;
  reason: string | null;
  order_id: string | null;
  recorded_at: Date;
}

const toSchedule = (row: ScheduleRow): Schedule => ({
  id: row.id,
  customerId: row.customer_id,
  customerName: row.customer_name,
  lines: row.items,
  redeemFreeDrink: row.redeem_free_drink,
  timeZone: row.time_zone,
  at: row.at ?? undefined,
  time: row.time_of_day ?? undefined,
  days: row.days ?? undefined,
  paused: row.paused,
  nextRun:
    row.next_run_key && row.next_run_at && row.next_place_at
      ? { key: row.next_run_key, dueAt: row.next_run_at, placeAt: row.next_place_at }
      : undefined,
  createdAt: row.created_at,
});

const toRun = (row: RunRow): ScheduleRun => ({
  key: row.run_key,
  dueAt: row.due_at,
  outcome: row.outcome,
  reason: row.reason ?? undefined,
  orderId: row.order_id ?? undefined,
  recordedAt: row.recorded_at,
});

export class ScheduleRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Stores a new schedule; none when one with its id exists (a retry of the same request). A
   * customer holds at most MAX_LIVE_SCHEDULES that still have something to run (repeating ones,
   * one-offs not yet run), each a workflow: counted under a lock of the customer's own, so
   * concurrent requests cannot pass it.
   */
  async insert(
    schedule: Omit<Schedule, 'paused' | 'nextRun' | 'createdAt'>,
  ): Promise<Schedule | undefined> {
    return withTransaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('schedules:' || $1, 0))", [
        schedule.customerId,
      ]);
      const made = await client.query('SELECT 1 FROM schedules WHERE id = $1', [schedule.id]);
      if (made.rowCount) return undefined;
      const { rows: counted } = await client.query<{ live: number }>(
        `SELECT count(*)::int AS live FROM schedules s
          WHERE s.customer_id = $1
            AND (s.at IS NULL OR NOT EXISTS (SELECT 1 FROM schedule_runs r WHERE r.schedule_id = s.id))`,
        [schedule.customerId],
      );
      if ((counted[0]?.live ?? 0) >= MAX_LIVE_SCHEDULES)
        throw new TooManySchedulesError(
          `too many schedules: at most ${MAX_LIVE_SCHEDULES} with runs still to come; delete one first`,
        );
      const { rows } = await client.query<ScheduleRow>(
        `INSERT INTO schedules (id, customer_id, customer_name, items, redeem_free_drink, time_zone, at, time_of_day, days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          schedule.id,
          schedule.customerId,
          schedule.customerName,
          JSON.stringify(schedule.lines),
          schedule.redeemFreeDrink,
          schedule.timeZone,
          schedule.at ?? null,
          schedule.time ?? null,
          schedule.days ?? null,
        ],
      );
      return rows[0] && toSchedule(rows[0]);
    });
  }

  async find(id: string): Promise<Schedule | undefined> {
    const { rows } = await this.#pool.query<ScheduleRow>('SELECT * FROM schedules WHERE id = $1', [
      id,
    ]);
    return rows[0] && toSchedule(rows[0]);
  }

  async list(customerId: string): Promise<Schedule[]> {
    const { rows } = await this.#pool.query<ScheduleRow>(
      'SELECT * FROM schedules WHERE customer_id = $1 ORDER BY created_at, id',
      [customerId],
    );
    return rows.map(toSchedule);
  }

  /** Pausing forgets the planned run, so resuming never places a run that fell in the pause. */
  async setPaused(id: string, paused: boolean): Promise<void> {
    await this.#pool.query(
      `UPDATE schedules SET paused = $2,
              next_run_key = CASE WHEN $2 THEN NULL ELSE next_run_key END,
              next_run_at = CASE WHEN $2 THEN NULL ELSE next_run_at END,
              next_place_at = CASE WHEN $2 THEN NULL ELSE next_place_at END
        WHERE id = $1`,
      [id, paused],
    );
  }

  /**
   * Stores the planned run, unless the schedule is paused: a plan that read the schedule just
   * before a pause must not give the paused schedule a next run again.
   */
  async setNextRun(id: string, next: Schedule['nextRun']): Promise<void> {
    await this.#pool.query(
      `UPDATE schedules SET next_run_key = $2, next_run_at = $3, next_place_at = $4
        WHERE id = $1 AND NOT paused`,
      [id, next?.key ?? null, next?.dueAt ?? null, next?.placeAt ?? null],
    );
  }

  async delete(id: string): Promise<void> {
    await this.#pool.query('DELETE FROM schedules WHERE id = $1', [id]);
  }

  /** Records a run once; a run already recorded stays as it was and is returned instead. */
  async recordRun(
    scheduleId: string,
    run: Omit<ScheduleRun, 'recordedAt'>,
  ): Promise<{ run: ScheduleRun; recorded: boolean }> {
    const { rows } = await this.#pool.query<RunRow>(
      `INSERT INTO schedule_runs (schedule_id, run_key, due_at, outcome, reason, order_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (schedule_id, run_key) DO NOTHING RETURNING *`,
      [scheduleId, run.key, run.dueAt, run.outcome, run.reason ?? null, run.orderId ?? null],
    );
    if (rows[0]) return { run: toRun(rows[0]), recorded: true };
    const existing = await this.findRun(scheduleId, run.key);
    if (!existing) throw new Error(`run ${run.key} of schedule ${scheduleId} vanished`);
    return { run: existing, recorded: false };
  }

  async findRun(scheduleId: string, key: string): Promise<ScheduleRun | undefined> {
    const { rows } = await this.#pool.query<RunRow>(
      'SELECT * FROM schedule_runs WHERE schedule_id = $1 AND run_key = $2',
      [scheduleId, key],
    );
    return rows[0] && toRun(rows[0]);
  }

  async runs(scheduleId: string, limit: number): Promise<ScheduleRun[]> {
    const { rows } = await this.#pool.query<RunRow>(
      'SELECT * FROM schedule_runs WHERE schedule_id = $1 ORDER BY due_at DESC LIMIT $2',
      [scheduleId, limit],
    );
    return rows.map(toRun);
  }

  /** A placed run whose order was then refused payment failed after all. */
  async failPlacedRun(orderId: string, reason: string): Promise<void> {
    await this.#pool.query(
      `UPDATE schedule_runs SET outcome = 'failed', reason = $2 WHERE order_id = $1 AND outcome = 'placed'`,
      [orderId, reason],
    );
  }

  /** Active schedules whose next run is due by `until`, soonest first. */
  async upcoming(until: Date): Promise<Schedule[]> {
    const { rows } = await this.#pool.query<ScheduleRow>(
      `SELECT * FROM schedules WHERE NOT paused AND next_run_at <= $1 ORDER BY next_run_at, id`,
      [until],
    );
    return rows.map(toSchedule);
  }
}
