import { env } from '@everything/config';
import { postgresEnv } from '@everything/postgres';
import { valkeyEnv } from '@everything/valkey';
import { telemetryEnv } from '@everything/telemetry/env';
import { isTimeZone, TIME_OF_DAY } from './schedules/recurrence.ts';

export const orderConfigShape = {
  GRPC_HOST: env.string().default('0.0.0.0'),
  GRPC_PORT: env.port().default(50051),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(1_000, 120_000).default(10_000),
  MENU_CACHE_TTL_SECONDS: env.int(1, 86_400).default(300),
  /** A placed order not accepted within this is cancelled and refunded. */
  ORDER_ACCEPT_TIMEOUT_SECONDS: env.int(1, 86_400).default(300),
  /** A ready order not picked up within this expires. */
  ORDER_PICKUP_TIMEOUT_SECONDS: env.int(1, 86_400).default(1_800),
  /** Loyalty points a free drink costs (customers earn one per whole euro). */
  LOYALTY_POINTS_PER_FREE_DRINK: env.int(1, 100_000).default(100),
  /**
   * A scheduled run whose moment passed while this service was down is still placed up to
   * this long after the drink was wanted; later, it is recorded as skipped (never placed twice).
   */
  SCHEDULE_LATE_GRACE_MINUTES: env.int(0, 240).default(15),
  /** Daily opening hours, "HH:MM-HH:MM" in CAFE_TIME_ZONE; unset, the café never closes. */
  CAFE_OPENING_HOURS: env
    .string()
    .refine((value) => {
      const [opens, closes, ...rest] = value.split('-');
      return rest.length === 0 && TIME_OF_DAY.test(opens ?? '') && TIME_OF_DAY.test(closes ?? '');
    }, 'must be HH:MM-HH:MM, such as 07:00-19:00')
    .optional(),
  CAFE_TIME_ZONE: env
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin')
    .default('UTC'),
  CUSTOMER_SERVICE_ADDRESS: env.address(),
  UPSTREAM_TIMEOUT_MS: env.int(100, 30_000).default(2_000),
  TEMPORAL_ADDRESS: env.address(),
  /** One namespace per environment: staging and prod never share workflows. */
  TEMPORAL_NAMESPACE: env.string(),
  TEMPORAL_TASK_QUEUE: env.string().default('orders'),
  /**
   * The workflow code bundled ahead of time (`bundle-workflows`, done in the image's build).
   * Unset, the worker bundles at start-up: fine for development, but webpack then stays in the
   * process, about 160 MiB of a Raspberry Pi’s memory.
   */
  TEMPORAL_WORKFLOW_BUNDLE: env.string().optional(),
  /**
   * Open orders whose workflow state the worker keeps in memory (sticky cache). The bound on the
   * worker's memory per open order: beyond it workflows are evicted and replay from history
   * when they wake. Temporal's default sizes it from the machine's heap, not the pod's. Each
   * cached order workflow costs about 0.8 MiB (`make bench`: 100 cached held 60 MiB more than 25),
   * and an evicted one replays its short history in milliseconds when it wakes.
   * 0 turns the cache off; otherwise it must be at least TEMPORAL_WORKFLOW_TASK_SLOTS.
   */
  TEMPORAL_MAX_CACHED_WORKFLOWS: env.int(0, 10_000).default(25),
  /**
   * Workflow tasks run at once. More than the pollers hold (twice TEMPORAL_WORKFLOW_TASK_POLLERS
   * while the cache is on), so that a new order's first task can come back with its start
   * (eager start). A placement's first task holds its slot while the payment runs inside it.
   */
  TEMPORAL_WORKFLOW_TASK_SLOTS: env.int(2, 1_000).default(16),
  /** Activities run at once: each holds a database connection or a gRPC call while it runs. */
  TEMPORAL_ACTIVITY_TASK_SLOTS: env.int(1, 1_000).default(8),
  /** Long polls for workflow tasks (2 to TEMPORAL_WORKFLOW_TASK_SLOTS). */
  TEMPORAL_WORKFLOW_TASK_POLLERS: env.int(2, 100).default(2),
  /** Long polls for activity tasks (1 to TEMPORAL_ACTIVITY_TASK_SLOTS). */
  TEMPORAL_ACTIVITY_TASK_POLLERS: env.int(1, 100).default(2),
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: env
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/, 'must be host:port[,host:port…]'),
  /** Named per environment, such as staging.orders.v1. */
  ORDER_EVENTS_TOPIC: env.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a Kafka topic name'),
  ...postgresEnv,
  ...valkeyEnv,
  ...telemetryEnv,
};
