// The services as the benches run them: on the dev stack's servers (`make stack-up`), each
// run on fresh databases, topics, task queues and key prefixes of its own, so that a bench
// never reads or leaves anything in the dev stack's own data.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { callJson } from '@everything/test-support/http';
import pg from 'pg';

export const root = fileURLToPath(new URL('..', import.meta.url));
export type Service = 'server' | 'order' | 'customer';

// The stack (scripts/env/dev.sh defaults; `make bench` exports them with the secrets).
const stackEnv = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set (run through make bench)`);
  return value;
};
export const stack = {
  pgPort: stackEnv('PG_PORT', '5432'),
  valkeyPort: stackEnv('VALKEY_PORT', '6379'),
  kafkaPort: stackEnv('KAFKA_PORT', '9092'),
  temporalPort: stackEnv('TEMPORAL_PORT', '7233'),
  namespace: stackEnv('ENVIRONMENT', 'dev'),
  superuserPassword: stackEnv('PG_SUPERUSER_PASSWORD'),
  orderDbPassword: stackEnv('ORDER_DB_PASSWORD'),
  customerDbPassword: stackEnv('CUSTOMER_DB_PASSWORD'),
};
const ports = { server: 48080, order: 48051, customer: 48052 };
/** Each service's log lines (warnings and errors), one file per run and service. */
export const logDir = `${root}.dev/bench`;
mkdirSync(logDir, { recursive: true });
const admin = { email: 'bench-admin@everything.local', password: 'bench admin password' };

export async function migrate(service: 'order' | 'customer', env: Record<string, string>) {
  const child = spawn(process.execPath, [`services/${service}/src/migrate.ts`, '-y'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`migrating ${service} failed (${String(code)})`);
}

/**
 * Runs `work` on a connection as the stack's superuser, which creates and drops databases and
 * reads any run's.
 */
async function asSuperuser<T>(
  work: (client: pg.Client) => Promise<T>,
  database = 'postgres',
): Promise<T> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: Number(stack.pgPort),
    user: 'postgres',
    password: stack.superuserPassword,
    database,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const benchDatabases = (run: string) =>
  [
    [`order_db_bench_${run}`, 'order_service'],
    [`customer_db_bench_${run}`, 'customer_service'],
  ] as const;

/** Fresh databases for one run, owned by the stack's service users. */
export function freshDatabases(run: string) {
  return asSuperuser(async (client) => {
    for (const [name, owner] of benchDatabases(run)) {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${name} OWNER ${owner}`);
    }
  });
}

/**
 * Orders stored, and orders whose payment was taken (their workflow's first task, which charges
 * the tab), read from the run's own databases: a placement answered is not yet an order paid.
 */
export async function placedAndPaid(run: string): Promise<{ placed: number; paid: number }> {
  const count = (database: string, sql: string) =>
    asSuperuser(
      async (client) => (await client.query<{ count: number }>(sql)).rows[0]?.count ?? 0,
      database,
    );
  const [placed, paid] = await Promise.all([
    count(`order_db_bench_${run}`, 'SELECT count(*)::int AS count FROM orders'),
    count(
      `customer_db_bench_${run}`,
      "SELECT count(*)::int AS count FROM tab_entries WHERE kind = 'charge'",
    ),
  ]);
  return { placed, paid };
}

export function dropDatabases(run: string) {
  return asSuperuser(async (client) => {
    for (const [name] of benchDatabases(run))
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

export function environments(run: string, workflowBundle: string) {
  const quiet = { LOG_LEVEL: 'warn', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0' };
  const topic = `bench.${run}.orders.v1`;
  const kafka = { KAFKA_BROKERS: `127.0.0.1:${stack.kafkaPort}`, ORDER_EVENTS_TOPIC: topic };
  const db = (name: 'order' | 'customer', password: string) => ({
    DB_HOST: '127.0.0.1',
    DB_PORT: stack.pgPort,
    DB_NAME: `${name}_db_bench_${run}`,
    DB_USER: `${name}_service`,
    DB_PASSWORD: password,
  });
  const valkey = `redis://127.0.0.1:${stack.valkeyPort}`;
  return {
    customer: {
      ...quiet,
      ...kafka,
      ...db('customer', stack.customerDbPassword),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(ports.customer),
      ORDER_EVENTS_DLQ_TOPIC: `${topic}.dlq`,
      CONSUMER_GROUP_ID: `bench-${run}`,
    },
    order: {
      ...quiet,
      ...kafka,
      ...db('order', stack.orderDbPassword),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(ports.order),
      VALKEY_URL: valkey,
      VALKEY_KEY_PREFIX: `bench:${run}:order:`,
      CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${stack.temporalPort}`,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: `bench-${run}`,
      // A loaded machine is slow: the deadlines must not turn the load into errors.
      UPSTREAM_TIMEOUT_MS: '15000',
      // As the image runs it: from workflow code bundled ahead of time.
      TEMPORAL_WORKFLOW_BUNDLE: workflowBundle,
      // Open orders stay open for the whole run.
      ORDER_ACCEPT_TIMEOUT_SECONDS: '3600',
    },
    server: {
      ...quiet,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(ports.server),
      ORDER_SERVICE_ADDRESS: `127.0.0.1:${ports.order}`,
      CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
      VALKEY_URL: valkey,
      VALKEY_KEY_PREFIX: `bench:${run}:server:`,
      JWT_SECRET: stackEnv('JWT_SECRET', 'a bench secret that is long enough to be accepted'),
      BOOTSTRAP_ADMIN_EMAIL: admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      UPSTREAM_TIMEOUT_MS: '15000',
      // The load comes from one address and a few accounts: the limits are not what is measured.
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    },
  };
}

export const base = `http://127.0.0.1:${ports.server}`;

export const call = (
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) => callJson(base, method, route, { ...options, timeoutMs: 30_000 });

export async function expectStatus(
  expected: number,
  promise: Promise<{ status: number; body: unknown }>,
  what: string,
): Promise<unknown> {
  const { status, body } = await promise;
  if (status !== expected) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits for the server's /readyz, failing as soon as one of the services has exited. */
export async function waitReady(
  running: Record<
    string,
    { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }
  >,
) {
  for (let attempt = 0; attempt < 240; attempt += 1) {
    for (const [service, { exit, child }] of Object.entries(running)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const { code, signal } = await exit;
        throw new Error(`${service} exited (${String(code ?? signal)}) before it was ready`);
      }
    }
    const ready = await fetch(`${base}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(500);
  }
  throw new Error('the server never became ready');
}

export interface Customer {
  token: string;
}
export async function registerCustomers(count: number): Promise<Customer[]> {
  const customers: Customer[] = [];
  for (let index = 0; index < count; index += 1) {
    const body = (await expectStatus(
      201,
      call('POST', '/v1/auth/register', {
        body: {
          email: `bench-${randomUUID()}@example.com`,
          password: 'bench password',
          displayName: `Bench ${index}`,
        },
      }),
      'register',
    )) as { accessToken: string };
    customers.push({ token: body.accessToken });
  }
  return customers;
}

export async function adminToken(): Promise<string> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const { status, body } = await call('POST', '/v1/auth/login', {
      body: admin,
    });
    if (status === 200) return (body as { accessToken: string }).accessToken;
    await sleep(500);
  }
  throw new Error('the bootstrap admin never could sign in');
}

/** The bench's open orders leave nothing running in the dev stack's Temporal. */
export async function terminateWorkflows(taskQueue: string) {
  const connection = await Connection.connect({ address: `127.0.0.1:${stack.temporalPort}` });
  try {
    const client = new Client({ connection, namespace: stack.namespace });
    const open = client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    });
    for await (const workflow of open) {
      await client.workflow
        .getHandle(workflow.workflowId, workflow.runId)
        .terminate('bench finished')
        .catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

/** The order workflows bundled ahead of time, as the image runs them. */
export async function bundleWorkflows(): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'bench-')), 'workflows.js');
  await promisify(execFile)(process.execPath, ['services/order/src/bundle-workflows.ts', file], {
    cwd: root,
  });
  return file;
}
