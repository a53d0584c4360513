// The three services as real processes on a PostgreSQL of their own, which this test stops
// and freezes: the public API must answer within seconds whatever the database does, and
// recover by itself.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stack } from '@everything/test-support';
import { eventually, runScript, ServiceProcess, waitForPort } from './support/processes.ts';

const pgPort = stack.pgPort + 1;
const pgDir = path.join(stack.dir, 'e2e-postgres');
const ports = {
  server: Number(process.env.SERVER_PORT ?? 28080),
  order: Number(process.env.ORDER_PORT ?? 25051),
  customer: Number(process.env.CUSTOMER_PORT ?? 25052),
};
const base = `http://127.0.0.1:${ports.server}`;

const postgres = (command: 'start' | 'stop') =>
  runScript('scripts/stack/postgres.sh', [command], { STACK_DIR: pgDir, PG_PORT: String(pgPort) });

async function secrets(): Promise<Record<string, string>> {
  const text = await readFile(path.join(pgDir, 'secrets.env'), 'utf8');
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s, 2) as [string, string]),
  );
}

/** Every PID of the cluster: the postmaster and its backends. */
async function clusterPids(): Promise<number[]> {
  const dataDir = (await readFile(path.join(pgDir, 'postgres.datadir'), 'utf8')).trim();
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 of /proc/PID/stat is the parent PID; the command name before it may hold spaces.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === postmaster) children.push(Number(entry));
  }
  return [postmaster, ...children];
}

/** A request that hangs longer than 5 s fails the test: the API must never hang. */
async function get(route: string): Promise<{ status: number; type: string; body: unknown }> {
  const response = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(5_000) });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: await response.json(),
  };
}

function serviceEnv(passwords: Record<string, string>) {
  const db = (name: 'order' | 'customer') => ({
    DB_HOST: '127.0.0.1',
    DB_PORT: String(pgPort),
    DB_NAME: `${name}_db`,
    DB_USER: `${name}_service`,
    DB_PASSWORD: passwords[`${name.toUpperCase()}_DB_PASSWORD`] ?? '',
  });
  return {
    order: {
      ...db('order'),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(ports.order),
      LOG_LEVEL: 'debug',
      VALKEY_URL: stack.valkeyUrl,
      VALKEY_KEY_PREFIX: `e2e-${process.pid}:order:`,
      CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: process.env.ENVIRONMENT ?? 'test',
      TEMPORAL_TASK_QUEUE: `e2e-${process.pid}`,
      KAFKA_BROKERS: stack.kafkaBroker,
      ORDER_EVENTS_TOPIC: `e2e-${process.pid}.orders.v1`,
    },
    customer: {
      ...db('customer'),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(ports.customer),
      KAFKA_BROKERS: stack.kafkaBroker,
      ORDER_EVENTS_TOPIC: `e2e-${process.pid}.orders.v1`,
      ORDER_EVENTS_DLQ_TOPIC: `e2e-${process.pid}.orders.v1.dlq`,
    },
    server: {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(ports.server),
      ORDER_SERVICE_ADDRESS: `127.0.0.1:${ports.order}`,
      CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
      VALKEY_URL: stack.valkeyUrl,
      VALKEY_KEY_PREFIX: `e2e-${process.pid}:server:`,
      JWT_SECRET: 'a development secret of at least thirty-two characters',
    },
  };
}

describe('the walking skeleton, process by process', () => {
  const services: ServiceProcess[] = [];
  let env: ReturnType<typeof serviceEnv>;

  before(async () => {
    await postgres('start');
    env = serviceEnv(await secrets());
    for (const name of ['order', 'customer'] as const) {
      const migration = new ServiceProcess(name, env[name], 'migrate', ['-y']);
      assert.equal(await migration.exited, 0, migration.output);
    }
    for (const name of ['customer', 'order', 'server'] as const) {
      services.push(new ServiceProcess(name, env[name]));
      await waitForPort(ports[name]);
    }
  });

  after(async () => {
    for (const service of services.toReversed()) await service.stop();
    await postgres('stop');
  });

  test('the menu comes from Postgres once, then from Valkey', async () => {
    await eventually('readiness', async () => (await get('/readyz')).status === 200);
    const first = await get('/v1/menu');
    assert.equal(first.status, 200);
    assert.ok((first.body as { items: unknown[] }).items.length >= 10);
    // The server answers from its own copy for a second, then asks the order service again,
    // which this time answers from Valkey.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = await get('/v1/menu');
    assert.deepEqual(second.body, first.body);
    const order = services.find((service) => service.name === 'order');
    // The log lines travel through a pipe and may arrive after the HTTP responses.
    const missThenHit =
      /"cache":"miss"[^\n]*menu served from database[\s\S]*"cache":"hit"[^\n]*menu served from cache/;
    await eventually('the order service logs a cache miss, then a hit', () =>
      Promise.resolve(missThenHit.test(order?.output ?? '')),
    );
  });

  test('a frozen database turns readiness and the menu into 503 problems, and both recover', async () => {
    const pids = await clusterPids();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      // Each service notices on its next probe (every second): readiness and menu within seconds.
      await eventually(
        'readiness 503 while frozen',
        async () => (await get('/readyz')).status === 503,
      );
      let menu = await get('/v1/menu');
      await eventually(
        'menu 503 while frozen',
        async () => (menu = await get('/v1/menu')).status === 503,
      );
      assert.equal(menu.type, 'application/problem+json; charset=utf-8');
      assert.equal((menu.body as { type: string }).type, '/problems/service-unavailable');
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await eventually(
      'readiness back after thawing',
      async () => (await get('/readyz')).status === 200,
    );
    assert.equal((await get('/v1/menu')).status, 200);
  });

  test('a stopped database turns readiness and the menu into 503 problems, and both recover', async () => {
    await postgres('stop');
    try {
      // Each service notices on its next probe (every second): readiness and menu within seconds.
      await eventually(
        'readiness 503 while stopped',
        async () => (await get('/readyz')).status === 503,
      );
      let menu = await get('/v1/menu');
      await eventually(
        'menu 503 while stopped',
        async () => (menu = await get('/v1/menu')).status === 503,
      );
      assert.equal(menu.type, 'application/problem+json; charset=utf-8');
    } finally {
      await postgres('start');
    }
    await eventually(
      'readiness back after restart',
      async () => (await get('/readyz')).status === 200,
    );
    assert.equal((await get('/v1/menu')).status, 200);
  });

  test('SIGTERM drains and every service exits 0', async () => {
    for (const service of services.toReversed()) {
      assert.equal(
        await service.stop(),
        0,
        `${service.name} did not stop cleanly:\n${service.output}`,
      );
      assert.match(service.output, /"clean":true[^\n]*shutdown complete/);
    }
  });
});

describe('configuration is validated at start-up', () => {
  test('a service started without DB_HOST exits non-zero naming DB_HOST', async () => {
    const order = new ServiceProcess('order', {
      DB_NAME: 'order_db',
      DB_USER: 'order_service',
      DB_PASSWORD: 'irrelevant',
      VALKEY_URL: stack.valkeyUrl,
      VALKEY_KEY_PREFIX: 'test:order:',
      CUSTOMER_SERVICE_ADDRESS: '127.0.0.1:1',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TEMPORAL_NAMESPACE: 'test',
      KAFKA_BROKERS: '127.0.0.1:1',
      ORDER_EVENTS_TOPIC: 'test.orders.v1',
    });
    assert.equal(await order.exited, 1);
    assert.match(order.output, /DB_HOST: is required/);
    assert.doesNotMatch(order.output, /irrelevant/);
  });

  test('the server started with a malformed peer address exits non-zero naming it', async () => {
    const server = new ServiceProcess('server', {
      ORDER_SERVICE_ADDRESS: 'order.staging.svc.cluster.local',
      CUSTOMER_SERVICE_ADDRESS: '127.0.0.1:1',
      VALKEY_URL: stack.valkeyUrl,
      VALKEY_KEY_PREFIX: 'test:server:',
      JWT_SECRET: 'a development secret of at least thirty-two characters',
    });
    assert.equal(await server.exited, 1);
    assert.match(server.output, /ORDER_SERVICE_ADDRESS: must be host:port/);
  });
});
