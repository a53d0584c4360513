export {
  connectionOptions,
  createPool,
  isDatabaseUnavailable,
  postgresEnv,
  type PostgresConfig,
} from './pool.ts';
export { watchDatabase, type DatabaseWatch } from './watch.ts';
export {
  migrate,
  migrateCommand,
  migrateEnv,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.ts';
export { gateOnDatabase, DatabaseUnavailableError, type DatabaseGate } from './gate.ts';
export { withTransaction } from './transaction.ts';
