import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker, WorkerPlugin } from '@temporalio/worker';
import {
  customerV1,
  menuV1,
  orderV1,
  protoFiles,
  protoRoot,
  roundV1,
  scheduleV1,
} from '@everything/contracts';
import {
  callUnary,
  createGrpcServer,
  isServiceError,
  Status,
  unavailableWhen,
  type GrpcServer,
} from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { gateOnDatabase, type DatabaseGate, type PostgresConfig } from '@everything/postgres';
import type { Valkey } from '@everything/valkey';
import { OrderFeed } from './events/order-feed.ts';
import { OutboxRelay } from './events/outbox-relay.ts';
import { menuService } from './grpc/menu-service.ts';
import { orderService } from './grpc/order-service.ts';
import { roundService } from './grpc/round-service.ts';
import { scheduleService } from './grpc/schedule-service.ts';
import { MenuAdmin } from './menu/menu-admin.ts';
import { observeOrderDatabase, observeOrderFeed } from './metrics.ts';
import { MenuCatalog } from './menu/menu-catalog.ts';
import { MenuRepository } from './menu/menu-repository.ts';
import { OrderRepository } from './orders/order-repository.ts';
import { Ordering } from './orders/ordering.ts';
import { RoundRepository } from './rounds/round-repository.ts';
import { Rounds, type TabCheck } from './rounds/rounds.ts';
import { ScheduleRepository } from './schedules/schedule-repository.ts';
import { Scheduling, type SchedulingPolicy } from './schedules/scheduling.ts';
import { StalledOrderSweeper, type StalledOrderSettings } from './orders/stalled-orders.ts';
import { createScheduleActivities } from './temporal/schedule-activities.ts';
import { temporalScheduleWorkflows } from './temporal/schedule-workflows.ts';
import { createActivities } from './temporal/activities.ts';
import { temporalOrderWorkflows } from './temporal/order-workflows.ts';
import { createOrderWorker, type WorkerSizing } from './temporal/worker.ts';

export interface OrderDeps {
  pool: pg.Pool;
  /** The relay holds a connection of its own, outside the pool. */
  database: PostgresConfig;
  valkey: Valkey;
  logger: Logger;
  menuCacheTtlSeconds: number;
  temporal: {
    connection: NativeConnection;
    client: Client;
    namespace: string;
    taskQueue: string;
    /** Tracing of workflows and activities, when the service runs with telemetry. */
    plugins?: WorkerPlugin[];
    /** Workflow code bundled ahead of time; without it the worker bundles at start. */
    workflowBundlePath?: string | undefined;
    /** Cache, task slots and pollers; a Raspberry Pi's sizing when not given. */
    sizing?: WorkerSizing | undefined;
  };
  customers: customerV1.CustomerServiceClient;
  kafka: { brokers: string[]; topic: string };
  timeouts: { acceptMs: number; pickupMs: number; upstreamMs: number };
  /** Loyalty points a free drink costs. */
  pointsPerFreeDrink: number;
  /** How scheduled orders treat late runs and closing time; defaults: 15 min grace, always open. */
  scheduling?: Partial<Omit<SchedulingPolicy, 'immediateWithinMs'>>;
  /** The sweep for placed orders whose workflow never started; every 30 s, after 30 s by default. */
  stalledOrders?: StalledOrderSettings;
}

export interface OrderApp {
  grpc: GrpcServer;
  catalog: MenuCatalog;
  ordering: Ordering;
  scheduling: Scheduling;
  rounds: Rounds;
  database: DatabaseGate;
  /** The event streams this replica serves to barista queues and trackers. */
  feed: OrderFeed;
  /** Starts the workflow worker and the outbox relay, then serves gRPC; resolves to the port. */
  start(host: string, port: number): Promise<number>;
  /** NOT_SERVING first, then drain gRPC calls, the worker and the relay, within `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export async function createApp(deps: OrderDeps): Promise<OrderApp> {
  const { pool, valkey, logger, temporal } = deps;
  const menuRepository = new MenuRepository(pool);
  const catalog = new MenuCatalog(menuRepository, valkey, deps.menuCacheTtlSeconds, logger);
  const menuAdmin = new MenuAdmin(pool, menuRepository, catalog);
  const orders = new OrderRepository(pool);
  observeOrderDatabase(pool);
  const workflows = temporalOrderWorkflows(
    temporal.client,
    temporal.taskQueue,
    async (id) => (await orders.find(id))?.status,
  );
  const ordering = new Ordering(orders, catalog, workflows, deps.timeouts, deps.pointsPerFreeDrink);
  const scheduling = new Scheduling(new ScheduleRepository(pool), {
    menu: async () => (await catalog.list()).items,
    place: (request) => ordering.place(request),
    readyInMs: () => orders.readyInForNewOrder(),
    findOrder: (id) => orders.find(id),
    workflows: temporalScheduleWorkflows(temporal.client, temporal.taskQueue),
    policy: {
      lateGraceMs: deps.scheduling?.lateGraceMs ?? 15 * 60_000,
      immediateWithinMs: 60_000,
      openingHours: deps.scheduling?.openingHours,
      cafeTimeZone: deps.scheduling?.cafeTimeZone ?? 'UTC',
    },
    now: () => new Date(),
  });
  const rounds = new Rounds(new RoundRepository(pool, orders), {
    menu: async () => (await catalog.list()).items,
    checkTab: tabCheck(deps.customers, deps.timeouts.upstreamMs),
    startWorkflows: (placed) => ordering.startWorkflows(placed),
    acceptBy: () => ordering.acceptByForNewOrder(),
  });
  const worker: Worker = await createOrderWorker({
    connection: temporal.connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    plugins: temporal.plugins ?? [],
    workflowBundlePath: temporal.workflowBundlePath,
    sizing: temporal.sizing,
    activities: {
      ...createActivities({
        orders,
        customers: deps.customers,
        timeoutMs: deps.timeouts.upstreamMs,
        onCancelled: (orderId, reason) => scheduling.orderCancelled(orderId, reason),
      }),
      ...createScheduleActivities(scheduling),
    },
  });
  const sweeper = new StalledOrderSweeper(
    ordering,
    deps.stalledOrders ?? { intervalMs: 30_000, graceMs: 30_000 },
    logger,
  );
  const feed = new OrderFeed(pool, deps.database, logger);
  observeOrderFeed(feed);
  const relay = new OutboxRelay({
    database: deps.database,
    brokers: deps.kafka.brokers,
    topic: deps.kafka.topic,
    logger,
  });

  const database = await gateOnDatabase(pool, logger);
  const classify = unavailableWhen(
    database.isUnavailable,
    'the order database is unreachable; retry shortly',
  );
  const grpc = createGrpcServer(
    [
      {
        name: 'everything.order.v1.MenuService',
        definition: menuV1.MenuServiceService,
        implementation: menuService(catalog, menuAdmin, database.guard, classify, logger),
      },
      {
        name: 'everything.order.v1.OrderService',
        definition: orderV1.OrderServiceService,
        implementation: orderService(ordering, feed, database.guard, classify, logger),
      },
      {
        name: 'everything.order.v1.ScheduleService',
        definition: scheduleV1.ScheduleServiceService,
        implementation: scheduleService(scheduling, catalog, database.guard, classify, logger),
      },
      {
        name: 'everything.order.v1.RoundService',
        definition: roundV1.RoundServiceService,
        implementation: roundService(rounds, database.guard, classify, logger),
      },
    ],
    {
      root: protoRoot,
      files: [protoFiles.orderMenu, protoFiles.orders, protoFiles.schedules, protoFiles.rounds],
    },
  );

  let workerRun: Promise<void> | undefined;
  return {
    grpc,
    catalog,
    ordering,
    scheduling,
    rounds,
    database,
    feed,
    async start(host, port) {
      // The worker's run() resolves only after shutdown; a failure before that is fatal and
      // surfaces in close() or, if it happens while serving, ends the process through main.
      workerRun = worker.run();
      relay.start();
      sweeper.start();
      await feed
        .start()
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'order feed not started; the first watcher starts it'),
        );
      const bound = await grpc.listen(host, port);
      database.watch.subscribe(grpc.setServing);
      return bound;
    },
    async close(graceMs) {
      database.watch.stop();
      grpc.setServing(false);
      // Event streams never end by themselves: close them so their clients resume elsewhere.
      feed.close();
      await grpc.stop(graceMs);
      await sweeper.stop();
      if (workerRun) {
        worker.shutdown();
        await workerRun;
      }
      await relay.stop();
    },
  };
}

/**
 * Asks the customer service whether a tab would take a charge. A customer service of the
 * previous release does not know the question (UNIMPLEMENTED): then nobody is refused up front
 * and each order's own charge decides, as for any order.
 */
function tabCheck(customers: customerV1.CustomerServiceClient, timeoutMs: number): TabCheck {
  return async (customerId, amountCents) => {
    try {
      const answer = await callUnary(
        customers,
        'checkTabCharge',
        { customerId, amountCents },
        timeoutMs,
      );
      return { allowed: answer.allowed, reason: answer.reason };
    } catch (error) {
      if (isServiceError(error) && error.code === Status.UNIMPLEMENTED)
        return { allowed: undefined, reason: '' };
      if (isServiceError(error) && error.code === Status.NOT_FOUND)
        return { allowed: false, reason: error.details };
      throw error;
    }
  };
}
