// Memory of each service inside a memory cgroup equal to its chart's limit, idle and after a
// fixed load, against the goals of issue 11; and throughput and latency of that load, for the
// way main ran the services ("before": TypeScript through type stripping, Temporal's default
// task slots and pollers, no Node or malloc flags, in the seed's limits) and the way the images
// run them now ("after": the esbuild bundle, the charts' limits and their environment), in the
// same run, one after the other, each on fresh databases.
//
// The load: 1,000 menu reads, 500 orders of which 200 go through accept, ready and pickup and
// 300 stay open; then more open orders, the order service measured at 1,000, 2,000 and 3,000
// open, to show it flat (Temporal's workflow cache is bounded by TEMPORAL_MAX_CACHED_WORKFLOWS).
// Runs against the dev stack's servers (`make stack-up`), as root (it creates cgroups):
// `make bench`. BENCH_VARIANTS=after measures only the bundle.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import {
  adminToken,
  bundleWorkflows,
  call,
  dropDatabases,
  environments,
  expectStatus,
  freshDatabases,
  logDir,
  migrate,
  registerCustomers,
  root,
  terminateWorkflows,
  waitReady,
  type Service,
} from './bench-stack.ts';
import { MemoryCgroup, type MemoryFigures } from './memory-cgroup.ts';

const MENU_READS = 1_000;
const ORDERS = 500;
const COMPLETED = 200;
/** Open orders at the end (BENCH_OPEN_ORDERS: fewer for a quick look on a slow machine). */
const OPEN_AT_END = Number(process.env.BENCH_OPEN_ORDERS ?? 3_000);
/** Concurrent requests of the load (a café's worth, not a stress test). */
const CONCURRENCY = 4;
/** Orders per customer: 20 lattes (80.00) stay under the tab's limit of 100.00. */
const ORDERS_PER_CUSTOMER = 20;

/** The counts of open orders, after the first, at which the order service is measured. */
const openCounts = (from: number, to: number) =>
  [1_000, 2_000, to].filter(
    (count, index, all) => count > from && count <= to && all.indexOf(count) === index,
  );

const mib = (value: number) => `${value.toFixed(0)} MiB`;
const services: Service[] = ['server', 'order', 'customer'];

/** Issue 11's goals, MiB: idle and after the load. */
const goals: Record<Service, { idle: number; loaded: number }> = {
  server: { idle: 112, loaded: 128 },
  customer: { idle: 96, loaded: 112 },
  order: { idle: 160, loaded: 192 },
};

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

// ---- the load -----------------------------------------------------------------------------

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
  /** The order service's figures at each count of open orders, from 300 to OPEN_AT_END. */
  orderByOpen: { open: number; figures: MemoryFigures }[];
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
  const env = environments(run, workflowBundle);
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
    // Measured at several counts, not only at the ends: a bound shows as a plateau, a cost per
    // open order as a line.
    const orderByOpen = [{ open: ORDERS - COMPLETED, figures: loaded.order }];
    for (const open of openCounts(ORDERS - COMPLETED, OPEN_AT_END)) {
      const previous = orderByOpen.at(-1)?.open ?? 0;
      await placeOrders(open - previous, latte.id);
      await settle();
      const figures = await all.order.cgroup.figures();
      orderByOpen.push({ open, figures });
      console.log(`order with ${open} open orders: ${mib(figures.workingSetMiB)}`);
    }
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
      orderByOpen,
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
    const series = result.orderByOpen;
    const first = series[0]?.figures.workingSetMiB ?? 0;
    const last = series.at(-1)?.figures.workingSetMiB ?? 0;
    console.log(
      `order by open orders: ${series.map(({ open, figures }) => `${open} → ${mib(figures.workingSetMiB)}`).join(', ')} (${last >= first ? '+' : ''}${(last - first).toFixed(0)} MiB from first to last)`,
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

const workflowBundle = await bundleWorkflows();
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
