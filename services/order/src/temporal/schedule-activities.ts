import type { RunPlan, Scheduling } from '../schedules/scheduling.ts';

/** The I/O of a schedule's workflow; both are idempotent, as Temporal retries them. */
export interface ScheduleActivities {
  planScheduleRun(scheduleId: string): Promise<RunPlan>;
  /** Places the run once; its outcome (placed, skipped, failed) is recorded in the schedule's runs. */
  placeScheduleRun(scheduleId: string, runKey: string, dueAtMs: number): Promise<void>;
}

export function createScheduleActivities(scheduling: Scheduling): ScheduleActivities {
  return {
    planScheduleRun: (scheduleId) => scheduling.plan(scheduleId),
    async placeScheduleRun(scheduleId, runKey, dueAtMs) {
      await scheduling.placeRun(scheduleId, runKey, dueAtMs);
    },
  };
}
