import type pg from 'pg';
import { customerV1, protoFiles, protoRoot } from '@everything/contracts';
import { createGrpcServer, unavailableWhen, type GrpcServer } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { gateOnDatabase, type DatabaseGate } from '@everything/postgres';
import { Accounts } from './customers/accounts.ts';
import { CustomerRepository } from './customers/customer-repository.ts';
import { customerService } from './grpc/customer-service.ts';
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
}: CustomerDeps): Promise<CustomerApp> {
  const database = await gateOnDatabase(pool, logger);
  const customers = new CustomerRepository(pool);
  const accounts = new Accounts(customers);
  const tab = new Tab(pool, tabLimitCents);
  const favorites = new Favorites(pool);
  const sessions = new Sessions(pool, logger);
  const consumer = events && new OrderEventsConsumer(pool, events, logger);
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
    ],
    { root: protoRoot, files: [protoFiles.customer] },
  );
  database.watch.subscribe(grpc.setServing);

  return {
    grpc,
    accounts,
    database,
    start(host, port) {
      consumer?.start();
      return grpc.listen(host, port);
    },
    async close(graceMs) {
      database.watch.stop();
      grpc.setServing(false);
      await grpc.stop(graceMs);
      await consumer?.stop();
    },
  };
}
