import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger } from '@everything/logger';
import { migrate, type PostgresConfig } from '@everything/postgres';

/**
 * Where `make test` started the real servers. Tests read it from the environment that
 * scripts/test.sh exports, and fail with a clear message when run without that stack.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the tests through \`make test\`, which starts the stack`,
    );
  return value;
}

export const stack = {
  get pgPort() {
    return Number(required('PG_PORT'));
  },
  get valkeyUrl() {
    return `redis://127.0.0.1:${required('VALKEY_PORT')}`;
  },
  get kafkaBroker() {
    return `127.0.0.1:${required('KAFKA_PORT')}`;
  },
  get temporalAddress() {
    return `127.0.0.1:${required('TEMPORAL_PORT')}`;
  },
  get dir() {
    return required('STACK_DIR');
  },
};

type ServiceUser = 'order_service' | 'customer_service';

const passwordOf = (user: ServiceUser) =>
  required(user === 'order_service' ? 'ORDER_DB_PASSWORD' : 'CUSTOMER_DB_PASSWORD');

/** The configuration a service gets for its real database on the test stack. */
export function serviceDatabase(user: ServiceUser, port = stack.pgPort): PostgresConfig {
  return {
    DB_HOST: '127.0.0.1',
    DB_PORT: port,
    DB_NAME: user === 'order_service' ? 'order_db' : 'customer_db',
    DB_USER: user,
    DB_PASSWORD: passwordOf(user),
    DB_POOL_SIZE: 4,
  };
}

/**
 * A new, empty database owned by a service's user, so a test can migrate and change data
 * without touching what other tests see. `drop()` removes it.
 */
export async function scratchDatabase(
  user: ServiceUser,
): Promise<{ config: PostgresConfig; drop: () => Promise<void> }> {
  const name = `scratch_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: stack.pgPort,
      user: 'postgres',
      password: required('PG_SUPERUSER_PASSWORD'),
      database: 'postgres',
    });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name} OWNER ${user}`);
  return {
    config: { ...serviceDatabase(user), DB_NAME: name },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
export { listServicesByReflection, outcome } from './grpc.ts';

/** A scratch database with a service's migrations applied, as `migrate -y` would. */
export async function migratedScratchDatabase(
  user: ServiceUser,
  migrationsDir: URL,
): Promise<{ config: PostgresConfig; drop: () => Promise<void> }> {
  const database = await scratchDatabase(user);
  await migrate({
    config: database.config,
    migrationsDir: fileURLToPath(migrationsDir),
    assumeYes: true,
    logger: createLogger('test-migrate', 'silent'),
    output: new PassThrough(),
  });
  return database;
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/**
 * One step of a test's teardown, awaited but never forever. Now and then, under load, closing
 * the order app or Temporal's native connection never settles, with no handle left to wait
 * for; rather than hang the whole run, a step still pending after `timeoutMs` is reported on
 * stderr and left behind. The runner is started with --test-force-exit, so what is left
 * behind cannot keep the file's process alive either.
 */
export async function teardownStep(
  what: string,
  step: () => Promise<unknown>,
  timeoutMs = 10_000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    if ((await Promise.race([step(), late])) === 'late')
      process.stderr.write(
        `teardown: ${what} did not finish within ${timeoutMs} ms; left behind\n`,
      );
  } finally {
    clearTimeout(timer);
  }
}
