import type pg from 'pg';
import { orderV1, protoFiles, protoRoot } from '@everything/contracts';
import { createGrpcServer, unavailableWhen, type GrpcServer } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { gateOnDatabase, type DatabaseGate } from '@everything/postgres';
import type { Valkey } from '@everything/valkey';
import { menuService } from './grpc/menu-service.ts';
import { MenuCatalog } from './menu/menu-catalog.ts';
import { MenuRepository } from './menu/menu-repository.ts';

export interface OrderDeps {
  pool: pg.Pool;
  valkey: Valkey;
  logger: Logger;
  menuCacheTtlSeconds: number;
}

export interface OrderApp {
  grpc: GrpcServer;
  catalog: MenuCatalog;
  database: DatabaseGate;
  listen(host: string, port: number): Promise<number>;
  /** NOT_SERVING first, then drain in-flight calls for up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export async function createApp({
  pool,
  valkey,
  logger,
  menuCacheTtlSeconds,
}: OrderDeps): Promise<OrderApp> {
  const catalog = new MenuCatalog(new MenuRepository(pool), valkey, menuCacheTtlSeconds, logger);
  const database = await gateOnDatabase(pool, logger);
  const classify = unavailableWhen(
    database.isUnavailable,
    'the order database is unreachable; retry shortly',
  );

  const grpc = createGrpcServer(
    [
      {
        name: 'everything.order.v1.MenuService',
        definition: orderV1.MenuServiceService,
        implementation: menuService(catalog, database.guard, classify, logger),
      },
    ],
    { root: protoRoot, files: [protoFiles.orderMenu] },
  );
  database.watch.subscribe(grpc.setServing);

  return {
    grpc,
    catalog,
    database,
    listen: (host, port) => grpc.listen(host, port),
    async close(graceMs) {
      database.watch.stop();
      grpc.setServing(false);
      await grpc.stop(graceMs);
    },
  };
}
