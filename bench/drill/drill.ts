// `make drill` (issue 13): with steady traffic running (customers ordering and cancelling, a
// barista accepting, readying and handing over, baristas' screens following the queue's event
// stream), injects one fault after another into its own stack; after each, once the system has
// recovered, pauses the traffic and checks the books against the databases (invariants.ts).
// Last, the timeout storm: many orders whose accept timeouts pass together, all refunded, with
// the order service's memory bounded. Prints a table, one row per fault, writes
// bench/results/drill-<date>-<commit>.json, and exits 1 on any ✗.
//
// Started by scripts/drill.sh, which brings up the drill's stack and migrates it. DRILL=short
// (CI's) runs every fault with fewer customers, shorter waits and a smaller storm.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { format, resolveConfig } from 'prettier';
import {
  Bookkeeper,
  invariantNames,
  judge,
  type Invariant,
  type Violations,
} from './invariants.ts';
import { required, root, stackCommand, Supervised, type Service } from './processes.ts';
import {
  call,
  ErrorTally,
  expect2xx,
  persist,
  QueueWatcher,
  register,
  Traffic,
  type Account,
  type Answer,
  type OrderJson,
} from './traffic.ts';

const short = process.env.DRILL === 'short';
const settings = short
  ? {
      customers: 4,
      watchers: 2,
      steadySeconds: 2,
      afterSeconds: 2,
      freezeSeconds: 10,
      kafkaDownSeconds: 10,
      stormOrders: 100,
      acceptTimeoutSeconds: 40,
    }
  : {
      customers: 6,
      watchers: 4,
      steadySeconds: 10,
      afterSeconds: 10,
      freezeSeconds: 10,
      kafkaDownSeconds: 30,
      stormOrders: 1_000,
      acceptTimeoutSeconds: 150,
    };
const pickupTimeoutSeconds = 1_800;
/** How long the books may take to settle after the traffic paused (events in flight). */
const SETTLE_MS = 60_000;
/** How long a fault may take to recover before the drill calls it a failure. */
const RECOVERY_MS = 180_000;
/** How long the timeout storm may take to drain, per order (and RECOVERY_MS at least). */
const STORM_MS_PER_ORDER = 450;
/** The order service's memory limit in its chart (k8s/charts/order/values.yaml). */
const ORDER_MEMORY_LIMIT_MIB = 320;

/**
 * Node's and glibc's memory settings as the charts give each container (everything-lib's
 * memoryEnv: the old generation at a share of the memory limit, two malloc arenas, and for the
 * customer service a fixed mmap threshold).
 */
const memoryEnv = (heapMiB: number, mmapThresholdKiB = 0) => ({
  NODE_OPTIONS: `--max-old-space-size=${heapMiB}`,
  MALLOC_ARENA_MAX: '2',
  ...(mmapThresholdKiB > 0 ? { MALLOC_MMAP_THRESHOLD_: String(mmapThresholdKiB * 1024) } : {}),
});

interface Fault {
  name: string;
  /** Injects the fault and lifts it (restarting what it stopped); resolves when lifted. */
  inject: (services: Supervised) => Promise<void>;
}

const kill = (service: Service): Fault => ({
  name: `SIGKILL ${service} (supervisor restarts it)`,
  inject: (services) => services.signal(service, 'SIGKILL'),
});
const faults: Fault[] = [
  kill('server'),
  kill('order'),
  kill('customer'),
  {
    name: 'restart PostgreSQL',
    inject: async () => {
      await stackCommand('postgres', 'stop');
      await stackCommand('postgres', 'start');
    },
  },
  {
    name: `freeze PostgreSQL ${settings.freezeSeconds} s (SIGSTOP)`,
    inject: async () => {
      await stackCommand('postgres', 'freeze');
      await sleep(settings.freezeSeconds * 1_000);
      await stackCommand('postgres', 'thaw');
    },
  },
  {
    name: `stop Kafka ${settings.kafkaDownSeconds} s`,
    inject: async () => {
      await stackCommand('kafka', 'stop');
      await sleep(settings.kafkaDownSeconds * 1_000);
      await stackCommand('kafka', 'start');
      await stackCommand('kafka', 'wait_ready');
    },
  },
  {
    name: 'restart Valkey, its data lost',
    inject: async () => {
      await stackCommand('valkey', 'stop');
      await stackCommand('valkey', 'wipe');
      await stackCommand('valkey', 'start');
    },
  },
  {
    name: 'restart the Temporal server',
    inject: async () => {
      await stackCommand('temporal', 'stop');
      await stackCommand('temporal', 'start');
      await stackCommand('temporal', 'wait_ready');
    },
  },
];

interface Row {
  fault: string;
  clientErrors: string;
  /** From the fault's end (the server restarted, thawed …) to an order placed and accepted again, in seconds. */
  recoverySeconds: number | undefined;
  violations: Violations | undefined;
  /** What was measured beyond the invariants. */
  notes: string[];
  /** What went wrong beyond the invariants: each fails the drill. */
  failures: string[];
  /** When the fault was lifted, the server ready again, the probe order placed and accepted. */
  timeline?: string[];
}

/** A request of the drill's own setting up, whose outage answers count for no fault. */
const settingUp = (send: () => Promise<Answer>) => persist(send, () => new ErrorTally());

const progress = (text: string) => process.stderr.write(`[drill] ${text}\n`);

async function waitReady(deadline: number) {
  while (Date.now() < deadline) {
    if ((await call('GET', '/readyz')).status === 200) return;
    await sleep(250);
  }
  throw new Error('the server never became ready');
}

/**
 * An order of a probe customer placed and accepted by the barista: the system works again.
 * Notes when each step succeeded, counted from `since`.
 */
async function probe(
  customer: Account,
  latteId: string,
  deadline: number,
  since: number,
  notes: string[],
): Promise<boolean> {
  const tally = new ErrorTally();
  const key = randomUUID();
  const placed = await persist(
    () =>
      call('POST', '/v1/orders', {
        token: customer.token,
        headers: { 'idempotency-key': key },
        body: { items: [{ menuItemId: latteId, quantity: 1 }] },
      }),
    () => tally,
    Math.max(0, deadline - Date.now()),
  );
  if (placed.status !== 201) return false;
  const { id } = placed.body as OrderJson;
  notes.push(`probe order placed at +${((Date.now() - since) / 1_000).toFixed(1)} s`);
  while (Date.now() < deadline) {
    const seen = await call('GET', `/v1/orders/${id}`, { token: customer.token });
    if (seen.status === 200 && (seen.body as OrderJson).status !== 'placed') {
      notes.push(`accepted at +${((Date.now() - since) / 1_000).toFixed(1)} s`);
      return true;
    }
    await sleep(250);
  }
  return false;
}

const clean = (violations: Violations) =>
  Object.values(violations).every((list) => list.length === 0);

async function settledBooks(books: Bookkeeper, traffic: Traffic, watchers: QueueWatcher[]) {
  await traffic.gate.close();
  const deadline = Date.now() + SETTLE_MS;
  let violations: Violations;
  do {
    violations = judge(
      await books.read({ pickupTimeoutSeconds, graceSeconds: 30 }),
      traffic.ledger.acknowledged,
      watchers,
    );
    if (clean(violations)) break;
    await sleep(1_000);
  } while (Date.now() < deadline);
  return violations;
}

/**
 * The timeout storm: orders placed while the barista is away, then the order service frozen
 * until every one of their accept timeouts has passed, so that they all fall due together when
 * it thaws; each must end cancelled with its charge refunded, the service's memory bounded.
 */
async function storm(
  services: Supervised,
  latteId: string,
  traffic: Traffic,
  books: Bookkeeper,
  watchers: QueueWatcher[],
): Promise<Row> {
  const count = settings.stormOrders;
  const fault = `timeout storm: ${count} orders due at once`;
  progress(`${fault}: placing them`);
  traffic.baristaPaused = true;
  await traffic.gate.close();
  const tally = new ErrorTally();
  const customers = await register(Math.max(4, Math.ceil(count / 100)), 'Storm');
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const customer = customers[next++ % customers.length];
        if (!customer) break;
        const key = randomUUID();
        const placed = await persist(
          () =>
            call('POST', '/v1/orders', {
              token: customer.token,
              headers: { 'idempotency-key': key },
              body: { items: [{ menuItemId: latteId, quantity: 1 }] },
            }),
          () => tally,
        );
        if (placed.status !== 201) throw new Error(`storm order: ${placed.status}`);
        const order = placed.body as OrderJson;
        ids.push(order.id);
        traffic.ledger.acknowledged.set(order.id, 'placed');
      }
    }),
  );
  const due = await books.acceptDeadlines(ids);
  // Charged before the freeze, so that each has something to refund; frozen before the first
  // falls due, so that none is handled before the others.
  await books.waitCharged(ids, due.first - 1_000);
  const lastDue = due.last;
  progress(`${fault}: freezing the order service until ${new Date(lastDue).toISOString()}`);
  await services.signal('order', 'SIGSTOP');
  let baseline: number;
  try {
    await sleep(Math.max(0, lastDue - Date.now()) + 1_000);
    baseline = await services.residentMiB('order');
  } finally {
    await services.signal('order', 'SIGCONT');
  }
  const thawed = Date.now();
  let peak = baseline;
  let refunded = 0;
  // Each timed-out order is a cancellation and a refund through the worker: a storm drains at
  // a few orders a second on a busy 2-core machine, so it gets time in proportion.
  const patienceMs = Math.max(RECOVERY_MS, count * STORM_MS_PER_ORDER);
  let reported = thawed;
  while (Date.now() - thawed < patienceMs) {
    peak = Math.max(peak, await services.residentMiB('order'));
    refunded = await books.refundedCount(ids);
    if (refunded === ids.length) break;
    if (Date.now() - reported > 30_000) {
      reported = Date.now();
      progress(`${fault}: ${refunded} refunded so far`);
    }
    await sleep(250);
  }
  const recoverySeconds = (Date.now() - thawed) / 1_000;
  traffic.baristaPaused = false;
  traffic.gate.open();
  const violations = await settledBooks(books, traffic, watchers);
  traffic.gate.open();
  const notes = [
    `placed within ${((due.last - due.first) / 1_000).toFixed(1)} s, all due when the order service thawed`,
    `${refunded} of ${ids.length} cancelled and refunded ${recoverySeconds.toFixed(1)} s after they fell due`,
    `order service anonymous memory ${baseline.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB (its chart's limit ${ORDER_MEMORY_LIMIT_MIB} MiB)`,
  ];
  if (refunded !== ids.length)
    violations.refunds.push(`storm: only ${refunded} of ${ids.length} refunded`);
  const failures =
    peak > ORDER_MEMORY_LIMIT_MIB
      ? [`the order service's memory peaked at ${peak.toFixed(0)} MiB, over its limit`]
      : [];
  return {
    fault,
    clientErrors: tally.describe(),
    recoverySeconds: refunded === ids.length ? recoverySeconds : undefined,
    violations,
    notes,
    failures,
  };
}

async function main() {
  const started = Date.now();
  const services = new Supervised();
  const books = new Bookkeeper();
  const rows: Row[] = [];
  let traffic: Traffic | undefined;
  const watchers: QueueWatcher[] = [];
  try {
    const bundle = `${required('STACK_DIR')}/order-workflows.js`;
    const quiet = { LOG_LEVEL: 'warn' };
    services.start('customer', { ...quiet, ...memoryEnv(96, 128), TAB_LIMIT_CENTS: '1000000' });
    services.start('order', {
      ...quiet,
      ...memoryEnv(128),
      TEMPORAL_WORKFLOW_BUNDLE: bundle,
      ORDER_ACCEPT_TIMEOUT_SECONDS: String(settings.acceptTimeoutSeconds),
      ORDER_PICKUP_TIMEOUT_SECONDS: String(pickupTimeoutSeconds),
    });
    services.start('server', {
      ...quiet,
      ...memoryEnv(96),
      // The load comes from one address and a few accounts: the limits are not what is drilled.
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      ACCESS_TOKEN_TTL_SECONDS: '7200',
    });
    progress('services starting under their supervisors (logs in $STACK_DIR/logs)');
    await waitReady(Date.now() + 120_000);

    const admin = (await expect2xx(
      settingUp(() =>
        call('POST', '/v1/auth/login', {
          body: {
            email: required('BOOTSTRAP_ADMIN_EMAIL'),
            password: required('BOOTSTRAP_ADMIN_PASSWORD'),
          },
        }),
      ),
      'admin sign-in',
    )) as { accessToken: string };
    const { items } = (await expect2xx(
      settingUp(() => call('GET', '/v1/menu')),
      'menu',
    )) as {
      items: { id: string; name: string }[];
    };
    const latteId = items.find((item) => item.name === 'Caffè latte')?.id;
    if (!latteId) throw new Error('no Caffè latte on the menu');
    const staff = await register(settings.watchers + 1, 'Barista');
    for (const account of staff)
      await expect2xx(
        settingUp(() =>
          call('PUT', `/v1/customers/${account.id}/role`, {
            token: admin.accessToken,
            body: { role: 'barista' },
          }),
        ),
        'make a barista',
      );
    const [barista, ...screens] = staff;
    if (!barista) throw new Error('no barista');
    const customers = await register(settings.customers, 'Customer');
    const [prober] = await register(1, 'Probe');
    if (!prober) throw new Error('no probe customer');

    const from = await books.lastEventId();
    for (const screen of screens) {
      const watcher = new QueueWatcher(screen, from);
      watcher.start();
      watchers.push(watcher);
    }
    traffic = new Traffic({ latteId, customers, barista, cancelShare: 0.3 });
    traffic.start();
    progress(
      `traffic: ${settings.customers} customers, 1 barista, ${watchers.length} queue watchers`,
    );

    for (const fault of faults) {
      traffic.tally = new ErrorTally();
      await sleep(settings.steadySeconds * 1_000);
      progress(`fault: ${fault.name}`);
      const injected = Date.now();
      await fault.inject(services);
      const lifted = Date.now();
      const deadline = lifted + RECOVERY_MS;
      const timeline = [`lifted at +${((lifted - injected) / 1_000).toFixed(1)} s`];
      await waitReady(deadline).catch(() => undefined);
      timeline.push(`ready at +${((Date.now() - injected) / 1_000).toFixed(1)} s`);
      const recovered = await probe(prober, latteId, deadline, injected, timeline);
      const recoverySeconds = recovered ? (Date.now() - lifted) / 1_000 : undefined;
      progress(`  recovered in ${recoverySeconds?.toFixed(1) ?? '—'} s: ${timeline.join(', ')}`);
      await sleep(settings.afterSeconds * 1_000);
      const violations = await settledBooks(books, traffic, watchers);
      timeline.push(`books settled at +${((Date.now() - injected) / 1_000).toFixed(1)} s`);
      const clientErrors = traffic.tally.describe();
      traffic.gate.open();
      const exited = services.exited();
      const failures = exited.length > 0 ? [`the supervisor of ${exited.join(', ')} exited`] : [];
      if (!recovered) failures.push('never recovered');
      rows.push({
        fault: fault.name,
        clientErrors,
        recoverySeconds,
        violations,
        notes: [],
        failures,
        timeline,
      });
      progress(
        `  ${verdicts(violations)} · client errors ${clientErrors} · ${timeline.at(-1) ?? ''}`,
      );
    }
    rows.push(await storm(services, latteId, traffic, books, watchers));
  } catch (error) {
    rows.push({
      fault: 'the drill itself',
      clientErrors: '',
      recoverySeconds: undefined,
      violations: undefined,
      notes: [],
      failures: [error instanceof Error ? error.message : String(error)],
    });
  } finally {
    await traffic?.stop();
    await Promise.all(watchers.map((watcher) => watcher.stop()));
    await services.stopAll();
    await books.close();
  }
  await report(rows, (Date.now() - started) / 1_000, watchers);
}

const verdicts = (violations: Violations | undefined) =>
  (Object.keys(invariantNames) as Invariant[])
    .map((name) => (violations && violations[name].length === 0 ? '✓' : '✗'))
    .join(' ');

async function report(rows: Row[], seconds: number, watchers: QueueWatcher[]) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
    .toString()
    .trim();
  const date = new Date().toISOString().slice(0, 10);
  const names = Object.values(invariantNames);
  const failed = rows.some(
    (row) =>
      !row.violations ||
      !clean(row.violations) ||
      row.recoverySeconds === undefined ||
      row.failures.length > 0,
  );
  const table = [
    `${date}, ${commit}, DRILL=${short ? 'short' : 'full'}, ${seconds.toFixed(0)} s; watchers' reconnection attempts ${watchers.map((w) => w.reconnects).join('/')}`,
    '',
    `| Fault | Client errors seen | Recovered after it ended | ${names.join(' | ')} |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => {
      const marks = (Object.keys(invariantNames) as Invariant[]).map((name) =>
        row.violations && row.violations[name].length === 0 ? '✓' : '✗',
      );
      const recovered =
        row.recoverySeconds === undefined ? '✗ never' : `${row.recoverySeconds.toFixed(1)} s`;
      return `| ${row.fault} | ${row.clientErrors} | ${recovered} | ${marks.join(' | ')} |`;
    }),
  ].join('\n');
  const details = rows.flatMap((row) => [
    ...row.notes.map((note) => `- ${row.fault}: ${note}`),
    ...row.failures.map((failure) => `- ${row.fault} ✗: ${failure}`),
    ...Object.entries(row.violations ?? {}).flatMap(([name, list]) =>
      list
        .slice(0, 5)
        .map(
          (line) =>
            `- ${row.fault}, ${invariantNames[name as Invariant]} ✗: ${line}${list.length > 5 ? ` (and ${list.length - 5} more)` : ''}`,
        ),
    ),
  ]);
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/drill-${date}-${commit}${short ? '-short' : ''}.json`;
  // As Prettier writes it, so that a result can be committed as it is.
  await writeFile(
    file,
    await format(
      JSON.stringify({ date, commit, drill: short ? 'short' : 'full', seconds, settings, rows }),
      { ...(await resolveConfig(file)), filepath: file },
    ),
  );
  console.log(
    `\n${table}\n${details.length > 0 ? `\n${details.join('\n')}\n` : ''}\nwritten to ${file}`,
  );
  if (failed) process.exitCode = 1;
}

await main();
