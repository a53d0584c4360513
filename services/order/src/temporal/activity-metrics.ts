import { metrics } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

// Created when the worker module loads, after telemetry started (see main.ts).
const meter = metrics.getMeter('everything.order.temporal');
const duration = meter.createHistogram('everything.temporal.activity.duration', {
  description:
    "Duration of each attempt of the order workflow's activities, by activity and outcome",
  unit: 's',
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
});

/**
 * Times every activity attempt and counts its outcome (completed, failed), so the Temporal
 * dashboard shows where workflows spend time and when retries pile up.
 */
export const activityMetrics: ActivityInterceptorsFactory = (context: Context) => ({
  inbound: {
    async execute(input, next) {
      const started = performance.now();
      let outcome = 'failed';
      try {
        const result = await next(input);
        outcome = 'completed';
        return result;
      } finally {
        duration.record((performance.now() - started) / 1_000, {
          activity: context.info.activityType,
          outcome,
          retry: context.info.attempt > 1,
        });
      }
    },
  },
});
