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

const workflowsPath = fileURLToPath(new URL('../workflows/order-workflow.ts', import.meta.url));

/**
 * The order workflows as one script for the worker's sandbox, with the plugins' workflow
 * interceptors in it: what `bundle-workflows` writes at the image's build. `path` picks other
 * workflow code (an older commit's, to record its histories).
 */
export async function bundleOrderWorkflows(
  plugins: BundlerPlugin[],
  path = workflowsPath,
): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path, plugins });
  return code;
}

/**
 * The worker that runs order workflows and their activities. Memory matters on a Raspberry Pi:
 * a small sticky cache and one shared V8 context keep it lean; workflows evicted from the
 * cache replay from history when they wake; a bundle made ahead of time keeps webpack out of
 * the process.
 */
export async function createOrderWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: OrderActivities;
  plugins: WorkerPlugin[];
  workflowBundlePath?: string | undefined;
}): Promise<Worker> {
  // Checked here, where it is read: the image's path means nothing on a developer's machine.
  if (options.workflowBundlePath && !existsSync(options.workflowBundlePath)) {
    throw new Error(
      `TEMPORAL_WORKFLOW_BUNDLE: no workflow bundle at ${options.workflowBundlePath} (make one with bundle-workflows)`,
    );
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
    maxCachedWorkflows: 100,
    reuseV8Context: true,
  });
}
