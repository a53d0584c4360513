import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { env, loadConfig } from '@everything/config';
import { runMain } from '@everything/lifecycle';
import { createLogger, type Logger } from '@everything/logger';
import { connectionOptions, postgresEnv, type PostgresConfig } from './pool.ts';

export interface MigrateOptions {
  config: PostgresConfig;
  migrationsDir: string;
  /** Apply without asking: what the Kubernetes hook Job runs. */
  assumeYes: boolean;
  logger: Logger;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
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
  const base = {
    databaseUrl: connectionOptions(config, 'migrate'),
    dir: migrationsDir,
    migrationsTable: 'schema_migrations',
    direction: 'up' as const,
    checkOrder: true,
    advisoryLockMode: 'wait' as const,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => logger.warn(msg),
      error: (msg: string) => logger.error(msg),
    },
  };

  const pending = (await runner({ ...base, dryRun: true })).map((migration) => migration.name);
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

  const applied = (await runner(base)).map((migration) => migration.name);
  output.write(applied.length ? `Applied ${applied.join(', ')}.\n` : `${target} is up to date.\n`);
  return { pending, applied, declined: false };
}

/** What the `migrate` command reads: the service's database variables and LOG_LEVEL. */
export const migrateEnv = { ...postgresEnv, LOG_LEVEL: env.logLevel() };

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
    });
    // Declined or unanswered: the database is still behind, which a script must not mistake for success.
    if (declined) process.exitCode = 2;
  });
}
