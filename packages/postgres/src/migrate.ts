import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { env, loadConfig } from '@everything/config';
import { runMain } from '@everything/lifecycle';
import { createLogger, type Logger } from '@everything/logger';
import {
  connectionOptions,
  isDatabaseUnavailable,
  postgresEnv,
  type PostgresConfig,
} from './pool.ts';

export interface MigrateOptions {
  config: PostgresConfig;
  migrationsDir: string;
  /** Apply without asking: what the Kubernetes hook Job runs. */
  assumeYes: boolean;
  logger: Logger;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /**
   * How long a migration's statement may wait for a table lock before it gives up (Postgres's
   * `lock_timeout`). A DDL statement queued behind a long query also blocks every query queued
   * behind it, so orders would stall for as long as it waits: it gives up early instead, and
   * the run can be retried (the Helm hook retries it). Default 3 s.
   */
  lockTimeoutMs?: number;
  /** How long one statement may run (Postgres's `statement_timeout`). Default 60 s. */
  statementTimeoutMs?: number;
}

export interface MigrateResult {
  pending: string[];
  applied: string[];
  /** The plan was shown and not confirmed. */
  declined: boolean;
}

/**
 * Applies the pending versioned SQL migrations in one transaction each. Runs queue behind a
 * Postgres advisory lock, so two `migrate -y` started at once (two Helm hook attempts, two
 * developers) apply each migration exactly once and the second finds nothing left to do.
 * Without `assumeYes` it shows the plan and asks first.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { config, migrationsDir, logger } = options;
  const output = options.output ?? process.stdout;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const base = {
    databaseUrl: {
      ...connectionOptions(config, 'migrate'),
      // The server's statement_timeout ends a statement first; the client's limit is the backstop.
      query_timeout: statementTimeoutMs + 5_000,
    },
    dir: migrationsDir,
    migrationsTable: 'schema_migrations',
    direction: 'up' as const,
    checkOrder: true,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => logger.warn(msg),
      error: (msg: string) => logger.error(msg),
    },
  };

  const timeouts = {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    statementTimeoutMs,
  };
  // The plan is read under the lock too: a first run creates the migrations table.
  const pending = await withMigrationLock(base.databaseUrl, timeouts, async (dbClient) =>
    (await runner({ ...base, dbClient, noLock: true, dryRun: true })).map(
      (migration) => migration.name,
    ),
  );
  const target = `${config.DB_NAME} on ${config.DB_HOST}:${config.DB_PORT}`;
  if (pending.length === 0) {
    output.write(`${target} is up to date.\n`);
    return { pending, applied: [], declined: false };
  }
  output.write(
    `Pending migrations for ${target}:\n${pending.map((name) => `  ${name}\n`).join('')}`,
  );

  if (!options.assumeYes) {
    const prompt = createInterface({
      input: options.input ?? process.stdin,
      output,
      terminal: false,
    });
    // End of input (no terminal, nothing piped) counts as "no".
    const answer = await new Promise<string>((resolve) => {
      prompt.once('line', resolve);
      prompt.once('close', () => resolve(''));
      output.write(`Apply ${pending.length} migration(s)? [y/N] `);
    });
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      output.write('Nothing applied.\n');
      return { pending, applied: [], declined: true };
    }
  }

  const applied = await withMigrationLock(base.databaseUrl, timeouts, async (dbClient) =>
    (await runner({ ...base, dbClient, noLock: true })).map((migration) => migration.name),
  );
  output.write(applied.length ? `Applied ${applied.join(', ')}.\n` : `${target} is up to date.\n`);
  return { pending, applied, declined: false };
}

const DEFAULT_LOCK_TIMEOUT_MS = 3_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
// node-pg-migrate's own advisory lock key, so a run of its CLI and ours exclude each other too.
const MIGRATION_LOCK = '7241865325823964';

/**
 * Runs `work` on one connection that holds the migration lock, with the lock and statement
 * timeouts set for the migrations. Waiting for another run to finish is not bounded by
 * `lock_timeout` (that run is the database's only writer of schema, and finishes or fails
 * within its own timeouts); waiting for the service's tables is.
 */
async function withMigrationLock<T>(
  connection: pg.ClientConfig,
  settings: { lockTimeoutMs: number; statementTimeoutMs: number },
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connectPatiently({ ...connection, query_timeout: undefined });
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`SET lock_timeout = ${Math.trunc(settings.lockTimeoutMs)}`);
    await client.query(`SET statement_timeout = ${Math.trunc(settings.statementTimeoutMs)}`);
    return await work(client);
  } finally {
    // Closing the session releases the advisory lock, even after a failed migration.
    await client.end().catch(() => undefined);
  }
}

/** What the `migrate` command reads: the service's database variables and LOG_LEVEL. */
export const migrateEnv = {
  ...postgresEnv,
  LOG_LEVEL: env.logLevel(),
  MIGRATION_LOCK_TIMEOUT_MS: env.int(1, 600_000).default(DEFAULT_LOCK_TIMEOUT_MS),
  MIGRATION_STATEMENT_TIMEOUT_MS: env.int(1, 3_600_000).default(DEFAULT_STATEMENT_TIMEOUT_MS),
};

/**
 * The `migrate [-y]` command of a service that owns a database: the database settings come
 * from the same DB_* variables the service reads.
 */
export function migrateCommand(service: string, migrationsDir: URL, argv = process.argv): void {
  runMain(`${service}-migrate`, async () => {
    const config = loadConfig(migrateEnv);
    const { declined } = await migrate({
      config,
      migrationsDir: fileURLToPath(migrationsDir),
      assumeYes: argv.includes('-y') || argv.includes('--yes'),
      logger: createLogger(`${service}-migrate`, config.LOG_LEVEL),
      lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_MS,
      statementTimeoutMs: config.MIGRATION_STATEMENT_TIMEOUT_MS,
    });
    // Declined or unanswered: the database is still behind, which a script must not mistake for success.
    if (declined) process.exitCode = 2;
  });
}

/** How long a migration run waits for its database to become reachable before it fails. */
const CONNECT_WITHIN_MS = 30_000;

/**
 * Connects, retrying while the database cannot be reached for up to CONNECT_WITHIN_MS. A
 * migration Job's pod starts with the database Service's name not yet resolvable, or its own
 * address not yet admitted by the NetworkPolicy engine (k3s' kube-router adds it seconds after
 * the pod starts); failing at once would spend one of the Job's few retries on that race.
 */
async function connectPatiently(config: pg.ClientConfig): Promise<pg.Client> {
  const deadline = Date.now() + CONNECT_WITHIN_MS;
  for (;;) {
    const client = new pg.Client(config);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!isDatabaseUnavailable(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
