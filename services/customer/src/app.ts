import type pg from 'pg';
import { customerV1, protoFiles, protoRoot, pushV1 } from '@everything/contracts';
import { createGrpcServer, unavailableWhen, type GrpcServer } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { gateOnDatabase, type DatabaseGate } from '@everything/postgres';
import { Accounts } from './customers/accounts.ts';
import { CustomerRepository } from './customers/customer-repository.ts';
import { customerService } from './grpc/customer-service.ts';
import { pushService } from './grpc/push-service.ts';
import { PushNotifier, type PushSettings } from './push/push-notifier.ts';
import { PushSubscriptions } from './push/push-subscriptions.ts';
import { OrderEventsConsumer, type ConsumerSettings } from './events/order-events-consumer.ts';
import { Favorites } from './favorites/favorites.ts';
import { Sessions } from './sessions/sessions.ts';
import { Tab } from './tab/tab.ts';

export interface CustomerDeps {
  pool: pg.Pool;
  logger: Logger;
  tabLimitCents: number;
  /** Where order events come from; without it the service does not consume them. */
  events?: ConsumerSettings;
  /** Web Push; without it no notifications are sent and the push calls answer UNAVAILABLE. */
  push?: PushSettings;
}

export interface CustomerApp {
  grpc: GrpcServer;
  accounts: Accounts;
  database: DatabaseGate;
  /** Starts consuming order events (when configured) and serves gRPC; resolves to the port. */
  start(host: string, port: number): Promise<number>;
  /** NOT_SERVING first, then drain gRPC calls and stop consuming, within `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export async function createApp({
  pool,
  logger,
  tabLimitCents,
  events,
  push,
}: CustomerDeps): Promise<CustomerApp> {
  const database = await gateOnDatabase(pool, logger);
  const customers = new CustomerRepository(pool);
  const accounts = new Accounts(customers);
  const tab = new Tab(pool, tabLimitCents);
  const favorites = new Favorites(pool);
  const sessions = new Sessions(pool, logger);
  const consumer = events && new OrderEventsConsumer(pool, events, logger);
  const subscriptions = new PushSubscriptions(pool);
  const notifier = push && new PushNotifier(subscriptions, push, logger);
  // Notifications are a consumer group of their own: a slow push service never holds up points.
  const pushConsumer =
    events &&
    notifier &&
    new OrderEventsConsumer(
      pool,
      // A message that can never be applied is dead-lettered once, by the points group.
      { ...events, groupId: `${events.groupId}-push`, deadLetterTopic: undefined },
      logger,
      (event) => notifier.notify(event),
    );
  const classify = unavailableWhen(
    database.isUnavailable,
    'the customer database is unreachable; retry shortly',
  );

  const grpc = createGrpcServer(
    [
      {
        name: 'everything.customer.v1.CustomerService',
        definition: customerV1.CustomerServiceService,
        implementation: customerService(
          { pool, customers, accounts, tab, favorites, sessions },
          database.guard,
          classify,
          logger,
        ),
      },
      {
        name: 'everything.customer.v1.PushService',
        definition: pushV1.PushServiceService,
        implementation: pushService(
          subscriptions,
          push && { publicKey: push.vapid.publicKey, allowedOrigins: push.allowedOrigins },
          database.guard,
          classify,
          logger,
        ),
      },
    ],
    { root: protoRoot, files: [protoFiles.customer, protoFiles.push] },
  );
  database.watch.subscribe(grpc.setServing);

  let reminders: ReturnType<typeof setInterval> | undefined;
  return {
    grpc,
    accounts,
    database,
    start(host, port) {
      consumer?.start();
      pushConsumer?.start();
      if (notifier) {
        reminders = setInterval(() => {
          notifier.remindDue().catch((error: unknown) => {
            logger.warn({ err: error }, 'expiring-soon reminders not sent yet; retrying');
          });
        }, push.reminderPollMs ?? 15_000);
      }
      return grpc.listen(host, port);
    },
    async close(graceMs) {
      database.watch.stop();
      grpc.setServing(false);
      await grpc.stop(graceMs);
      clearInterval(reminders);
      await Promise.all([consumer?.stop(), pushConsumer?.stop()]);
    },
  };
}
