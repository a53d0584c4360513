// Memory of each service inside a memory cgroup equal to its chart's limit, idle and after a
// fixed load, against the goals of issue 11; and throughput and latency of that load, for the
// way main ran the services ("before": TypeScript through type stripping, Temporal's default
// task slots and pollers, no Node or malloc flags, in the seed's limits) and the way the images
// run them now ("after": the esbuild bundle, the charts' limits and their environment), in the
// same run, one after the other, each on fresh databases.
//
// The load: 1,000 menu reads, 500 orders of which 200 go through accept, ready and pickup and
// 300 stay open; then 2,700 more open orders, to show the order service flat from 300 to 3,000
// open orders (Temporal's workflow cache is bounded by TEMPORAL_MAX_CACHED_WORKFLOWS).
// Runs against the dev stack's servers (`make stack-up`), as root (it creates cgroups):
// `make bench`. BENCH_VARIANTS=after measures only the bundle.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, openSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';
import { MemoryCgroup, type MemoryFigures } from './memory-cgroup.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const MENU_READS = 1_000;
const ORDERS = 500;
const COMPLETED = 200;
/** Open orders at the end (BENCH_OPEN_ORDERS: fewer for a quick look on a slow machine). */
const OPEN_AT_END = Number(process.env.BENCH_OPEN_ORDERS ?? 3_000);
/** Concurrent requests of the load (a café's worth, not a stress test). */
const CONCURRENCY = 4;
/** Orders per customer: 20 lattes (80.00) stay under the tab's limit of 100.00. */
const ORDERS_PER_CUSTOMER = 20;

type Service = 'server' | 'order' | 'customer';
const mib = (value: number) => `${value.toFixed(0)} MiB`;
const services: Service[] = ['server', 'order', 'customer'];

/** Issue 11's goals, MiB: idle and after the load. */
const goals: Record<Service, { idle: number; loaded: number }> = {
  server: { idle: 112, loaded: 128 },
  customer: { idle: 96, loaded: 112 },
  order: { idle: 160, loaded: 192 },
};

// The stack (scripts/env/dev.sh defaults; `make bench` exports them with the secrets).
const stackEnv = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set (run through make bench)`);
  return value;
};
const stack = {
  pgPort: stackEnv('PG_PORT', '5432'),
  valkeyPort: stackEnv('VALKEY_PORT', '6379'),
  kafkaPort: stackEnv('KAFKA_PORT', '9092'),
  temporalPort: stackEnv('TEMPORAL_PORT', '7233'),
  namespace: stackEnv('ENVIRONMENT', 'dev'),
  superuserPassword: stackEnv('PG_SUPERUSER_PASSWORD'),
  orderDbPassword: stackEnv('ORDER_DB_PASSWORD'),
  customerDbPassword: stackEnv('CUSTOMER_DB_PASSWORD'),
};
const ports = { server: 48080, order: 45051, customer: 45052 };
/** Each service's log lines (warnings and errors), one file per run and service. */
const logDir = `${root}.dev/bench`;
mkdirSync(logDir, { recursive: true });
const admin = { email: 'bench-admin@everything.local', password: 'bench admin password' };

// ---- the charts: limits and the environment that shapes memory ----------------------------

const toMiB = (quantity: string): number => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unsupported memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};
interface Rendered {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template?: {
      spec: {
        containers: {
          env?: { name: string; value?: string }[];
          resources?: { requests?: { memory?: string }; limits?: { memory?: string } };
        }[];
      };
    };
  };
}
/**
 * What staging's rendered Deployment gives the service (the golden file that `make test` keeps
 * equal to the charts): its memory limit and the variables that size memory, not addresses.
 */
async function chartOf(service: Service) {
  const objects = parseAllDocuments(
    await readFile(`${root}test/k8s/golden/apps-staging.yaml.golden`, 'utf8'),
  ).map((document) => document.toJS() as Rendered);
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === service);
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === service);
  const container = deployment?.spec?.template?.spec.containers[0];
  if (!container || !configMap) throw new Error(`no Deployment or ConfigMap ${service} rendered`);
  const variables = {
    ...configMap.data,
    ...Object.fromEntries(
      (container.env ?? []).flatMap(({ name, value }) =>
        value === undefined ? [] : [[name, value]],
      ),
    ),
  };
  const sizing = Object.fromEntries(
    Object.entries(variables).filter(([name]) =>
      /^(NODE_OPTIONS|MALLOC_|TEMPORAL_(MAX_|WORKFLOW_TASK|ACTIVITY_TASK))/.test(name),
    ),
  );
  return {
    limitMiB: toMiB(container.resources?.limits?.memory ?? '0Mi'),
    requestMiB: toMiB(container.resources?.requests?.memory ?? '0Mi'),
    sizing,
  };
}

// ---- variants -----------------------------------------------------------------------------

interface Variant {
  name: 'before' | 'after';
  describe: string;
  entry: (service: Service) => string;
  limitMiB: (service: Service) => Promise<number>;
  env: (service: Service) => Promise<Record<string, string>>;
}
/** main's limits before this change (the seed's 256Mi; order 512Mi). */
const seedLimits: Record<Service, number> = { server: 256, order: 512, customer: 256 };
const variants: Variant[] = [
  {
    name: 'before',
    describe:
      "TypeScript sources (type stripping), Temporal's default slots, no flags; seed limits",
    entry: (service) => `services/${service}/src/main.ts`,
    limitMiB: (service) => Promise.resolve(seedLimits[service]),
    env: (service) => {
      // Temporal's defaults (100 cached workflows was main's setting already).
      const temporalDefaults: Record<string, string> = {
        TEMPORAL_MAX_CACHED_WORKFLOWS: '100',
        TEMPORAL_WORKFLOW_TASK_SLOTS: '40',
        TEMPORAL_ACTIVITY_TASK_SLOTS: '100',
        TEMPORAL_WORKFLOW_TASK_POLLERS: '10',
        TEMPORAL_ACTIVITY_TASK_POLLERS: '10',
      };
      return Promise.resolve(service === 'order' ? temporalDefaults : {});
    },
  },
  {
    name: 'after',
    describe: "esbuild bundle (services/<name>/dist), the charts' limits and environment",
    entry: (service) => `services/${service}/dist/main.js`,
    limitMiB: async (service) => (await chartOf(service)).limitMiB,
    env: async (service) => (await chartOf(service)).sizing,
  },
];

// ---- processes ----------------------------------------------------------------------------

interface Running {
  child: ChildProcess;
  cgroup: MemoryCgroup;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string[];
}

async function startService(
  service: Service,
  variant: Variant,
  env: Record<string, string>,
  run: string,
): Promise<Running> {
  const cgroup = await MemoryCgroup.create(
    `bench-${run}-${service}`,
    await variant.limitMiB(service),
  );
  const child = spawn(
    'sh',
    ['-c', cgroup.enterCommand, 'sh', process.execPath, variant.entry(service)],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env, ...(await variant.env(service)) },
      stdio: ['ignore', openSync(`${logDir}/${run}-${service}.log`, 'w'), 'pipe'],
    },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, cgroup, exit, stderr };
}

async function migrate(service: 'order' | 'customer', env: Record<string, string>) {
  const child = spawn(process.execPath, [`services/${service}/src/migrate.ts`, '-y'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`migrating ${service} failed (${String(code)})`);
}

/** Fresh databases for one variant, owned by the stack's service users. */
async function freshDatabases(run: string) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: Number(stack.pgPort),
    user: 'postgres',
    password: stack.superuserPassword,
    database: 'postgres',
  });
  await client.connect();
  try {
    for (const [name, owner] of [
      [`order_db_bench_${run}`, 'order_service'],
      [`customer_db_bench_${run}`, 'customer_service'],
    ] as const) {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${name} OWNER ${owner}`);
    }
  } finally {
    await client.end();
  }
}

async function dropDatabases(run: string) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: Number(stack.pgPort),
    user: 'postgres',
    password: stack.superuserPassword,
    database: 'postgres',
  });
  await client.connect();
  try {
    for (const name of [`order_db_bench_${run}`, `customer_db_bench_${run}`])
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function environments(run: string) {
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

// ---- the load -----------------------------------------------------------------------------

const base = `http://127.0.0.1:${ports.server}`;

async function call(
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function expectStatus(
  expected: number,
  promise: Promise<{ status: number; body: unknown }>,
  what: string,
): Promise<unknown> {
  const { status, body } = await promise;
  if (status !== expected) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

interface Timing {
  count: number;
  seconds: number;
  latenciesMs: number[];
}
/** Runs `count` tasks, CONCURRENCY at a time, timing each. */
async function timed(count: number, task: (index: number) => Promise<void>): Promise<Timing> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const index = next++;
        const start = performance.now();
        await task(index);
        latenciesMs.push(performance.now() - start);
      }
    }),
  );
  return { count, seconds: (performance.now() - started) / 1000, latenciesMs };
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

const timingLine = (name: string, timing: Timing) =>
  `${name.padEnd(22)} ${(timing.count / timing.seconds).toFixed(1).padStart(7)} /s   p50 ${percentile(timing.latenciesMs, 50).toFixed(1)} ms   p95 ${percentile(timing.latenciesMs, 95).toFixed(1)} ms`;

async function waitReady(running: Record<Service, Running>) {
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

interface Customer {
  token: string;
}
async function registerCustomers(count: number): Promise<Customer[]> {
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

async function adminToken(): Promise<string> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const { status, body } = await call('POST', '/v1/auth/login', {
      body: admin,
    });
    if (status === 200) return (body as { accessToken: string }).accessToken;
    await sleep(500);
  }
  throw new Error('the bootstrap admin never could sign in');
}

/** Requests answered 503 (the order service busy past the server's deadline), retried. */
const unavailable = { count: 0 };

/** Repeats a barista action while the order has not yet reached the state it needs. */
async function act(token: string, orderId: string, action: string) {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const { status, body } = await call('POST', `/v1/orders/${orderId}/${action}`, { token });
    if (status === 200) return;
    if (status === 503) unavailable.count += 1;
    else if (status !== 409) throw new Error(`${action}: ${status} ${JSON.stringify(body)}`);
    await sleep(100);
  }
  throw new Error(`${action} of ${orderId} never became possible`);
}

async function placeOrders(
  count: number,
  latteId: string,
): Promise<{ ids: string[]; timing: Timing }> {
  const customers = await registerCustomers(Math.ceil(count / ORDERS_PER_CUSTOMER));
  const ids: string[] = [];
  const timing = await timed(count, async (index) => {
    const customer = customers[Math.floor(index / ORDERS_PER_CUSTOMER)];
    if (!customer) throw new Error('not enough customers');
    // A retry with the same key places the order once.
    const key = randomUUID();
    for (;;) {
      const { status, body } = await call('POST', '/v1/orders', {
        token: customer.token,
        headers: { 'idempotency-key': key },
        body: { items: [{ menuItemId: latteId, quantity: 1 }] },
      });
      if (status === 201) {
        ids.push((body as { id: string }).id);
        return;
      }
      if (status !== 503) throw new Error(`place an order: ${status} ${JSON.stringify(body)}`);
      unavailable.count += 1;
      await sleep(500);
    }
  });
  return { ids, timing };
}

// ---- a variant, measured ------------------------------------------------------------------

interface Result {
  variant: Variant;
  limits: Record<Service, number>;
  idle: Record<Service, MemoryFigures>;
  loaded: Record<Service, MemoryFigures>;
  orderAt300: MemoryFigures;
  orderAt3000: MemoryFigures;
  peak: Record<Service, MemoryFigures>;
  menu: Timing;
  orders: Timing;
  deaths: string[];
  /** Requests answered 503 and retried. */
  retried: number;
}

async function measureAll(running: Record<Service, Running>) {
  const entries = await Promise.all(
    services.map(async (service) => [service, await running[service].cgroup.figures()] as const),
  );
  return Object.fromEntries(entries) as Record<Service, MemoryFigures>;
}

async function settle() {
  // Timers, pools and caches quiet down; V8 collects garbage in idle time.
  await sleep(10_000);
}

async function runVariant(variant: Variant): Promise<Result> {
  const run = `${variant.name}_${Date.now().toString(36)}`;
  console.log(`\n== ${variant.name}: ${variant.describe}`);
  await freshDatabases(run);
  const env = environments(run);
  await migrate('order', env.order);
  await migrate('customer', env.customer);
  const running: Partial<Record<Service, Running>> = {};
  const deaths: string[] = [];
  let stopping = false;
  try {
    for (const service of ['customer', 'order', 'server'] as const) {
      const started = await startService(service, variant, env[service], run);
      running[service] = started;
      void started.exit.then(({ code, signal }) => {
        if (!stopping) deaths.push(`${service} exited (${String(code ?? signal)})`);
      });
    }
    const all = running as Record<Service, Running>;
    await waitReady(all);
    const token = await adminToken();
    await settle();
    const limits = Object.fromEntries(
      await Promise.all(
        services.map(async (service) => [service, await variant.limitMiB(service)]),
      ),
    ) as Record<Service, number>;
    const idle = await measureAll(all);
    console.log(
      `idle: ${services.map((name) => `${name} ${mib(idle[name].workingSetMiB)}`).join(', ')}`,
    );

    const menu = await timed(MENU_READS, async () => {
      await expectStatus(200, call('GET', '/v1/menu'), 'menu');
    });
    const { items } = (await expectStatus(200, call('GET', '/v1/menu'), 'menu')) as {
      items: { id: string; name: string }[];
    };
    const latte = items.find((item) => item.name === 'Caffè latte');
    if (!latte) throw new Error('no Caffè latte on the menu');
    console.log(timingLine(`GET /v1/menu × ${MENU_READS}`, menu));
    const { ids, timing: orders } = await placeOrders(ORDERS, latte.id);
    console.log(timingLine(`POST /v1/orders × ${ORDERS}`, orders));
    await timed(COMPLETED, async (index) => {
      const id = ids[index];
      if (!id) return;
      await act(token, id, 'accept');
      await act(token, id, 'ready');
      await act(token, id, 'pickup');
    });
    await settle();
    const loaded = await measureAll(all);
    console.log(
      `after the load: ${services.map((name) => `${name} ${mib(loaded[name].workingSetMiB)}`).join(', ')}`,
    );
    const orderAt300 = loaded.order;
    await placeOrders(OPEN_AT_END - (ORDERS - COMPLETED), latte.id);
    await settle();
    const orderAt3000 = await all.order.cgroup.figures();
    console.log(`order with ${OPEN_AT_END} open orders: ${mib(orderAt3000.workingSetMiB)}`);
    const peak = await measureAll(all);
    stopping = true;
    await terminateWorkflows(`bench-${run}`);
    const retried = unavailable.count;
    unavailable.count = 0;
    return {
      variant,
      limits,
      idle,
      loaded,
      orderAt300,
      orderAt3000,
      peak,
      menu,
      orders,
      deaths,
      retried,
    };
  } finally {
    for (const service of services) {
      const stopped = running[service];
      if (!stopped) continue;
      stopped.child.kill('SIGTERM');
      await Promise.race([stopped.exit, sleep(15_000)]);
      stopped.child.kill('SIGKILL');
      if (deaths.some((death) => death.startsWith(service)))
        console.error(`${service}'s last output:\n${stopped.stderr.join('')}`);
      await stopped.cgroup.remove();
    }
    await dropDatabases(run);
  }
}

/** The bench's open orders leave nothing running in the dev stack's Temporal. */
async function terminateWorkflows(taskQueue: string) {
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

// ---- report -------------------------------------------------------------------------------

function report(results: Result[]) {
  console.log(
    `\nMemory: working set (what the kubelet reads: usage minus inactive page cache) in a memory cgroup of the given limit; peak = highest usage; ${CONCURRENCY} requests at a time. Machine: ${process.env.BENCH_MACHINE ?? 'this machine, shared'}, node ${process.version}.`,
  );
  for (const result of results) {
    console.log(`\n${result.variant.name}: ${result.variant.describe}`);
    console.log(
      'service   limit    idle (goal)         after load (goal)   peak      OOM kills  anon / RSS after load',
    );
    for (const service of services) {
      const idle = result.idle[service].workingSetMiB;
      const loaded = result.loaded[service].workingSetMiB;
      const goal = goals[service];
      const mark = (value: number, limit: number) => (value <= limit ? 'ok' : 'OVER');
      console.log(
        [
          service.padEnd(9),
          mib(result.limits[service]).padEnd(8),
          `${mib(idle)} (≤ ${goal.idle} ${mark(idle, goal.idle)})`.padEnd(20),
          `${mib(loaded)} (≤ ${goal.loaded} ${mark(loaded, goal.loaded)})`.padEnd(20),
          mib(result.peak[service].peakMiB).padEnd(9),
          String(result.peak[service].oomKills).padEnd(10),
          `${mib(result.loaded[service].anonMiB)} / ${mib(result.loaded[service].rssMiB)}`,
        ].join(' '),
      );
    }
    const growth = result.orderAt3000.workingSetMiB - result.orderAt300.workingSetMiB;
    console.log(
      `order with 300 open orders ${mib(result.orderAt300.workingSetMiB)}, with ${OPEN_AT_END}: ${mib(result.orderAt3000.workingSetMiB)} (${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MiB)`,
    );
    console.log(`requests answered 503 (busy past the deadline) and retried: ${result.retried}`);
    for (const death of result.deaths) console.log(`DIED: ${death}`);
  }
  console.log('\nThroughput and latency (same run):');
  for (const result of results) {
    console.log(result.variant.name);
    console.log(`  ${timingLine(`GET /v1/menu × ${MENU_READS}`, result.menu)}`);
    console.log(`  ${timingLine(`POST /v1/orders × ${ORDERS}`, result.orders)}`);
  }
  const [before, after] = results;
  if (before && after) {
    const ratio = (a: Timing, b: Timing) => a.count / a.seconds / (b.count / b.seconds);
    const p95 = (a: Timing, b: Timing) =>
      percentile(a.latenciesMs, 95) / percentile(b.latenciesMs, 95);
    console.log(
      `after / before: menu throughput ×${ratio(after.menu, before.menu).toFixed(2)}, p95 ×${p95(after.menu, before.menu).toFixed(2)}; orders throughput ×${ratio(after.orders, before.orders).toFixed(2)}, p95 ×${p95(after.orders, before.orders).toFixed(2)} (a regression beyond 10 % is a throughput under ×0.90 or a p95 over ×1.10)`,
    );
  }
}

const workflowBundle = path.join(await mkdtemp(path.join(tmpdir(), 'bench-')), 'workflows.js');
await promisify(execFile)(
  process.execPath,
  ['services/order/src/bundle-workflows.ts', workflowBundle],
  { cwd: root },
);
const chosen = (process.env.BENCH_VARIANTS ?? 'before,after').split(',');
const results: Result[] = [];
for (const variant of variants.filter((candidate) => chosen.includes(candidate.name)))
  results.push(await runVariant(variant));
report(results);
if (
  results.some(
    (result) => result.deaths.length > 0 || services.some((s) => result.peak[s].oomKills > 0),
  )
)
  process.exitCode = 1;
