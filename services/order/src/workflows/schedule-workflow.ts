// One workflow per schedule, alive as long as the schedule has runs ahead. It only decides when
// to act; the activities (../temporal/schedule-activities.ts) read the schedule, compute the
// next run in the customer's time zone and place the order. Time-zone rules stay out of the
// workflow: new tz data must never change how a recorded history replays.
import {
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ScheduleActivities } from '../temporal/schedule-activities.ts';
import { scheduleChangedSignal, type ScheduleWorkflowInput } from './schedule-definitions.ts';

export type { ScheduleWorkflowInput } from './schedule-definitions.ts';

// Retried until the database answers: a run's outcome is recorded once, whenever that is, and
// placeRun itself skips a run that has become too late.
const { planScheduleRun, placeScheduleRun } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** While waiting, the barista's pace is read again at least this often near the time. */
const REPLAN_MS = 5 * 60_000;
/** A fresh history before this many events, so a schedule can run for years. */
const HISTORY_LIMIT = 2_000;

export async function scheduleWorkflow(input: ScheduleWorkflowInput): Promise<void> {
  let changed = false;
  setHandler(scheduleChangedSignal, () => {
    changed = true;
  });

  while (workflowInfo().historyLength < HISTORY_LIMIT && !workflowInfo().continueAsNewSuggested) {
    changed = false;
    const plan = await planScheduleRun(input.scheduleId);
    if (plan.kind === 'ended') return;
    if (plan.kind === 'paused') {
      await condition(() => changed);
      continue;
    }
    const wait = plan.placeAt - Date.now();
    if (wait > 0) {
      // Far off, sleep half the way and look at the pace again; near, sleep until the moment.
      const nap = wait > REPLAN_MS ? Math.max(REPLAN_MS, wait / 2) : wait;
      const woken = await condition(() => changed, nap);
      if (woken || nap < wait) continue;
    }
    await placeScheduleRun(input.scheduleId, plan.key, plan.dueAt);
  }
  await continueAsNew<typeof scheduleWorkflow>(input);
}
