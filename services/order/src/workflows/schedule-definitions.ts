// What callers of a schedule's workflow share with it. Kept apart from the workflow so the
// service's own code never loads workflow code outside the sandbox.
import { defineSignal } from '@temporalio/workflow';

export interface ScheduleWorkflowInput {
  scheduleId: string;
}

/** The schedule changed (paused, resumed, a run skipped, deleted): plan again. */
export const scheduleChangedSignal = defineSignal('scheduleChanged');
