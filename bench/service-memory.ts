// Resident memory of each service after serving traffic, against the seed's 64 MiB request, and
// as a ratio to a baseline measured in the same run: an idle Node process on the same runtime.
// Runs against the dev stack's servers: `make stack-up`, then `make bench`.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

function start(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
}

async function waitForHttp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await sleep(500);
  }
  throw new Error(`${url} never became ready`);
}

const secrets = Object.fromEntries(
  (await readFile(`${root}.dev/dev/secrets.env`, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => line.split(/=(.*)/s, 2) as [string, string]),
);
const ports = { order: 45051, customer: 45052, server: 48080 };
const db = (name: 'order' | 'customer') => ({
  DB_HOST: '127.0.0.1',
  DB_PORT: process.env.PG_PORT ?? '5432',
  DB_NAME: `${name}_db`,
  DB_USER: `${name}_service`,
  DB_PASSWORD: secrets[`${name.toUpperCase()}_DB_PASSWORD`] ?? '',
});
const kafka = {
  KAFKA_BROKERS: `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`,
  ORDER_EVENTS_TOPIC: 'bench.orders.v1',
};
const valkey = `redis://127.0.0.1:${process.env.VALKEY_PORT ?? '6379'}`;
// /metrics on free loopback ports; tracing on when OTEL_EXPORTER_OTLP_ENDPOINT is set.
const quiet = {
  LOG_LEVEL: 'warn',
  METRICS_HOST: '127.0.0.1',
  METRICS_PORT: '0',
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT }
    : {}),
};

// The order service as its image runs it: from workflow code bundled ahead of time.
const workflowBundle = path.join(await mkdtemp(path.join(tmpdir(), 'bench-')), 'workflows.js');
await promisify(execFile)(
  process.execPath,
  ['services/order/src/bundle-workflows.ts', workflowBundle],
  { cwd: root },
);

const baseline = start(['-e', 'setInterval(() => {}, 1000)'], {});
const customer = start(['services/customer/src/main.ts'], {
  ...db('customer'),
  ...kafka,
  ...quiet,
  GRPC_PORT: String(ports.customer),
  ORDER_EVENTS_DLQ_TOPIC: 'bench.orders.v1.dlq',
  CONSUMER_GROUP_ID: 'bench',
});
const order = start(['services/order/src/main.ts'], {
  ...db('order'),
  ...kafka,
  ...quiet,
  GRPC_PORT: String(ports.order),
  VALKEY_URL: valkey,
  VALKEY_KEY_PREFIX: 'bench:order:',
  CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
  TEMPORAL_ADDRESS: `127.0.0.1:${process.env.TEMPORAL_PORT ?? '7233'}`,
  TEMPORAL_NAMESPACE: 'dev',
  TEMPORAL_TASK_QUEUE: 'bench',
  TEMPORAL_WORKFLOW_BUNDLE: workflowBundle,
});
const server = start(['services/server/src/main.ts'], {
  ...quiet,
  HTTP_PORT: String(ports.server),
  ORDER_SERVICE_ADDRESS: `127.0.0.1:${ports.order}`,
  CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
  VALKEY_URL: valkey,
  VALKEY_KEY_PREFIX: 'bench:server:',
  JWT_SECRET: secrets.JWT_SECRET ?? 'a bench secret that is long enough to be accepted',
});
try {
  await waitForHttp(`http://127.0.0.1:${ports.server}/readyz`);
  const started = performance.now();
  for (let index = 0; index < REQUESTS; index += 1)
    await (await fetch(`http://127.0.0.1:${ports.server}/v1/menu`)).arrayBuffer();
  const seconds = (performance.now() - started) / 1000;
  const base = await rssMiB(baseline.pid ?? 0);
  console.log(
    `GET /v1/menu × ${REQUESTS}, one at a time: ${(REQUESTS / seconds).toFixed(0)} req/s`,
  );
  console.log(`baseline (idle node ${process.version}): ${base.toFixed(0)} MiB`);
  for (const [name, child] of Object.entries({ server, order, customer })) {
    const rss = await rssMiB(child.pid ?? 0);
    console.log(
      `${name.padEnd(8)} ${rss.toFixed(0).padStart(4)} MiB  ${(rss / base).toFixed(1)}× baseline  ${(rss / 64).toFixed(1)}× the 64 MiB request`,
    );
  }
} finally {
  for (const child of [server, order, customer, baseline]) child.kill('SIGTERM');
}
