import type { Client } from '@temporalio/client';
import type { ScheduleWorkflows } from '../schedules/scheduling.ts';
import {
  scheduleChangedSignal,
  type ScheduleWorkflowInput,
} from '../workflows/schedule-definitions.ts';
import type { scheduleWorkflow } from '../workflows/schedule-workflow.ts';

export const scheduleWorkflowIdOf = (scheduleId: string) => `schedule-${scheduleId}`;

/** Schedules' workflows as Temporal runs them: one per schedule, told of changes by a signal. */
export function temporalScheduleWorkflows(client: Client, taskQueue: string): ScheduleWorkflows {
  return {
    async changed(scheduleId) {
      // Signal-with-start also repairs a schedule whose workflow ended or never started.
      const input: ScheduleWorkflowInput = { scheduleId };
      await client.workflow.signalWithStart<typeof scheduleWorkflow>('scheduleWorkflow', {
        taskQueue,
        workflowId: scheduleWorkflowIdOf(scheduleId),
        args: [input],
        signal: scheduleChangedSignal,
        signalArgs: [],
      });
    },
  };
}
