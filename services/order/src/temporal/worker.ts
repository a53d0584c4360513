import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type BundlerPlugin,
  type WorkerPlugin,
} from '@temporalio/worker';
import { activityMetrics } from './activity-metrics.ts';
import type { OrderActivities } from './activities.ts';
import type { ScheduleActivities } from './schedule-activities.ts';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The order and schedule workflows as one script for the worker's sandbox, with the plugins'
 * workflow interceptors in it: what `bundle-workflows` writes at the image's build. `path` picks
 * other workflow code (an older commit's, to record its histories).
 */
export async function bundleOrderWorkflows(
  plugins: BundlerPlugin[],
  path = workflowsPath,
): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path, plugins });
  return withoutSourcesInMap(code);
}

const inlineMap = '//# sourceMappingURL=data:';

/**
 * The bundle's inline source map without the sources' text, which is most of its size and is
 * parsed at every start. The worker requires an inline map, and stack traces of workflows still
 * point at the original file, line and column: those need only the map's mappings.
 */
export function withoutSourcesInMap(code: string): string {
  const at = code.lastIndexOf(inlineMap);
  const data = code.indexOf('base64,', at) + 'base64,'.length;
  if (at < 0 || data < at) return code;
  const map = JSON.parse(Buffer.from(code.slice(data).trim(), 'base64').toString('utf8')) as {
    sourcesContent?: unknown;
  };
  delete map.sourcesContent;
  return `${code.slice(0, data)}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

/** How much the worker holds and runs at once (TEMPORAL_* variables of the order config). */
export interface WorkerSizing {
  maxCachedWorkflows: number;
  workflowTaskSlots: number;
  activityTaskSlots: number;
  workflowTaskPollers: number;
  activityTaskPollers: number;
}

/** Sized for a Raspberry Pi: the defaults of the TEMPORAL_* variables in config.ts. */
export const piWorkerSizing: WorkerSizing = {
  maxCachedWorkflows: 25,
  workflowTaskSlots: 16,
  activityTaskSlots: 8,
  workflowTaskPollers: 2,
  activityTaskPollers: 2,
};

/**
 * The worker that runs order and schedule workflows and their activities. Memory matters on a
 * Raspberry Pi: a bounded sticky cache and one shared V8 context keep it lean and flat however
 * many orders are open (workflows evicted from the cache replay from history when they wake);
 * few task slots and pollers; a bundle made ahead of time keeps webpack out of the process.
 */
export async function createOrderWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: OrderActivities & ScheduleActivities;
  plugins: WorkerPlugin[];
  workflowBundlePath?: string | undefined;
  sizing?: WorkerSizing | undefined;
}): Promise<Worker> {
  // Checked here, where it is read: the image's path means nothing on a developer's machine.
  if (options.workflowBundlePath && !existsSync(options.workflowBundlePath)) {
    throw new Error(
      `TEMPORAL_WORKFLOW_BUNDLE: no workflow bundle at ${options.workflowBundlePath} (make one with bundle-workflows)`,
    );
  }
  const sizing = options.sizing ?? piWorkerSizing;
  if (sizing.workflowTaskPollers > sizing.workflowTaskSlots) {
    throw new Error('TEMPORAL_WORKFLOW_TASK_POLLERS: must not exceed TEMPORAL_WORKFLOW_TASK_SLOTS');
  }
  // Each workflow poller holds a task slot while it waits, on the task queue and on this
  // worker's sticky queue, and eager start only hands a new order's first task to a worker with
  // a slot free. With no slot left over, every order took the long way through the task queue:
  // measured with 4 slots and 2 pollers, not one start in ten was eager, and under load first
  // tasks waited seconds in the dev server's queue while placements went on.
  const pollerSlots = sizing.workflowTaskPollers * (sizing.maxCachedWorkflows > 0 ? 2 : 1);
  if (sizing.workflowTaskSlots <= pollerSlots) {
    throw new Error(
      `TEMPORAL_WORKFLOW_TASK_SLOTS: must exceed the ${pollerSlots} slots its pollers hold (TEMPORAL_WORKFLOW_TASK_POLLERS, twice with the sticky cache on), or no workflow starts eagerly`,
    );
  }
  // A cache smaller than the task slots starves the worker: measured here, orders then waited
  // the sticky queue's schedule-to-start timeout to a minute for their next workflow task.
  if (sizing.maxCachedWorkflows > 0 && sizing.maxCachedWorkflows < sizing.workflowTaskSlots) {
    throw new Error(
      'TEMPORAL_MAX_CACHED_WORKFLOWS: must be 0 (no cache) or at least TEMPORAL_WORKFLOW_TASK_SLOTS',
    );
  }
  if (sizing.activityTaskPollers > sizing.activityTaskSlots) {
    throw new Error('TEMPORAL_ACTIVITY_TASK_POLLERS: must not exceed TEMPORAL_ACTIVITY_TASK_SLOTS');
  }
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath }),
    activities: options.activities,
    plugins: options.plugins,
    interceptors: { activity: [activityMetrics] },
    maxCachedWorkflows: sizing.maxCachedWorkflows,
    // A workflow cached by a worker that is gone (its pod replaced in a rolling upgrade, killed,
    // or frozen) has its next task wait in that worker's sticky queue this long before any
    // worker may take it. Temporal's 10 s equals the server's whole deadline for an order
    // action (ORDER_ACTION_TIMEOUT_MS): an accept during an upgrade then failed. A live worker
    // starts a sticky task within milliseconds, so 3 s costs nothing but the wait.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    maxConcurrentWorkflowTaskExecutions: sizing.workflowTaskSlots,
    maxConcurrentActivityTaskExecutions: sizing.activityTaskSlots,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: sizing.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: sizing.activityTaskPollers },
    reuseV8Context: true,
  });
}
