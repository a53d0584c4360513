import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerPlugin } from '@temporalio/worker';
import { activityMetrics } from './activity-metrics.ts';
import type { OrderActivities } from './activities.ts';

/**
 * The worker that runs order workflows and their activities. Memory matters on a Raspberry Pi:
 * a small sticky cache and one shared V8 context keep it lean; workflows evicted from the
 * cache replay from history when they wake.
 */
export async function createOrderWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: OrderActivities;
  plugins: WorkerPlugin[];
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: fileURLToPath(new URL('../workflows/order-workflow.ts', import.meta.url)),
    activities: options.activities,
    plugins: options.plugins,
    interceptors: { activity: [activityMetrics] },
    maxCachedWorkflows: 100,
    reuseV8Context: true,
  });
}
