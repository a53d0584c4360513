// The seed's `helm upgrade` path under traffic: staging moves to a new image tag whose order
// image carries a new migration while customers order, a barista works the queue and SSE
// watchers follow it. Nothing may fail or get lost. Then prod's disruption budget holds.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createParser } from 'eventsource-parser';
import {
  admin,
  Api,
  eventually,
  exec,
  kubectl,
  kubectlJson,
  pods,
  retrying,
  type Order,
} from './support.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const api = new Api('staging');

/** One more migration than the tree has: additive, as expand/contract asks of a release. */
const migrationsDir = `${root}services/order/migrations`;
const newestMigration = Math.max(
  ...readdirSync(migrationsDir).map((name) => Number(name.split('_')[0])),
);
const upgradeMigration = `${newestMigration + 1}_upgrade-drill.sql`;

/** What the barista does next with an order in each status. */
const nextAction = { placed: 'accept', accepted: 'ready', ready: 'pickup' };

/** Counts of what the clients saw; every request ends in success, or in `failures`. */
const stats = { requests: 0, retried: 0, rateLimited: 0, failures: [] as string[] };

async function request<T>(
  what: string,
  attempt: () => Promise<{ status: number; body: T; headers: Headers }>,
) {
  stats.requests++;
  try {
    for (;;) {
      const response = await retrying(what, attempt, { timeoutMs: 90_000 });
      stats.retried += response.retries;
      // Only a retry after a connection reset counts as a success: a 5xx answer, even one a
      // retry then made good, is a request the upgrade failed.
      for (const answer of response.serverErrors) stats.failures.push(`${what} answered ${answer}`);
      // The server's per-user limit is part of the system under test, not a failure of it: a
      // client told 429 waits as long as Retry-After says and asks again.
      if (response.status !== 429) return response;
      stats.rateLimited++;
      const waitSeconds = Number(response.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, waitSeconds) * 1000));
    }
  } catch (error) {
    stats.failures.push((error as Error).message);
    throw error;
  }
}

/** An SSE client of the barista's queue that reconnects with Last-Event-ID, as the board does. */
class QueueWatcher {
  readonly seen = new Map<string, Set<string>>(); // order id → statuses
  readonly ids: number[] = [];
  connections = 0;
  resumedWith: string[] = [];
  #lastEventId: string | undefined;
  #stopped = false;
  #abort = new AbortController();
  readonly done: Promise<void>;

  readonly #token: string;
  constructor(token: string) {
    this.#token = token;
    this.done = this.#loop();
  }

  async #loop() {
    while (!this.#stopped) {
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
        if (this.#lastEventId) {
          headers['last-event-id'] = this.#lastEventId;
          this.resumedWith.push(this.#lastEventId);
        }
        const response = await fetch(`${api.base}/v1/queue/events`, {
          headers,
          signal: this.#abort.signal,
        });
        if (response.status !== 200 || !response.body)
          throw new Error(`queue stream: ${response.status}`);
        this.connections++;
        const parser = createParser({
          onEvent: (event) => {
            if (!event.id) return;
            this.#lastEventId = event.id;
            this.ids.push(Number(event.id));
            const data = JSON.parse(event.data) as { order?: { id: string; status: string } };
            if (data.order) {
              const statuses = this.seen.get(data.order.id) ?? new Set();
              statuses.add(data.order.status);
              this.seen.set(data.order.id, statuses);
            }
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body as AsyncIterable<Uint8Array>)
          parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // The connection dropped (a pod went away) or stop() aborted it: the loop decides.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async stop() {
    this.#stopped = true;
    this.#abort.abort();
    await this.done;
  }
}

async function imageTag(namespace: string, app: string): Promise<string> {
  const image = (
    await kubectl([
      'get',
      'deploy',
      app,
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ])
  ).trim();
  return image.slice(image.lastIndexOf(':') + 1);
}

/** server and customer retagged; order rebuilt with the new migration; all in the cluster's containerd. */
async function buildUpgradeImages(from: string, to: string) {
  const script = `
    source scripts/cluster/lib.sh && CLUSTER_BIN=$(cluster_bin_dir) && source scripts/cluster/images.sh
    for app in server customer; do podman tag "localhost/everything/$app:${from}" "localhost/everything/$app:${to}"; done
    context=$(mktemp -d)
    printf -- '-- Up Migration\\n-- A nullable column: what a release may add while its predecessor still runs.\\nALTER TABLE orders ADD COLUMN upgrade_drill_note text;\\n\\n-- Down Migration\\nALTER TABLE orders DROP COLUMN upgrade_drill_note;\\n' >"$context/${upgradeMigration}"
    printf 'FROM localhost/everything/order:${from}\\nCOPY ${upgradeMigration} /app/services/order/migrations/\\n' >"$context/Containerfile"
    podman_build -t "localhost/everything/order:${to}" "$context" && rm -rf "$context"
    import_images localhost/everything/server:${to} localhost/everything/order:${to} localhost/everything/customer:${to}
  `;
  await run('bash', ['-c', script], { cwd: root, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
}

describe('rolling upgrade of staging under traffic', () => {
  let barista = '';
  const customers: { token: string; orders: Map<string, string> }[] = [];
  const watchers: QueueWatcher[] = [];
  let latte = '';
  let fromTag = '';
  const toTag = `upgrade-${randomUUID().slice(0, 8)}`;

  before(async () => {
    await api.ready();
    barista = await api.login(admin.email, admin.password);
    latte = await api.menuItemId();
    for (let i = 0; i < 4; i++)
      customers.push({ token: (await api.register()).token, orders: new Map() });
    for (let i = 0; i < 3; i++) watchers.push(new QueueWatcher(barista));
    fromTag = await imageTag('staging', 'order');
    await buildUpgradeImages(fromTag, toTag);
  });
  after(async () => {
    await Promise.all(watchers.map((watcher) => watcher.stop()));
    // The drill's migration is not the project's: take it out of staging's database again, or
    // the project's next real migration (numbered below it) would be refused as out of order.
    const postgres = (
      await kubectl([
        'get',
        'pods',
        '-n',
        'infra',
        '-l',
        'app.kubernetes.io/name=postgresql',
        '-o',
        'name',
      ])
    ).trim();
    await exec('infra', postgres, [
      'psql',
      '-h',
      '/tmp',
      '-U',
      'postgres',
      '-d',
      'order_db_staging',
      '-c',
      `ALTER TABLE orders DROP COLUMN IF EXISTS upgrade_drill_note; DELETE FROM schema_migrations WHERE name = '${upgradeMigration.replace('.sql', '')}'`,
    ]);
  });

  test('zero failed requests, zero lost orders, workflows finish, streams resume; the migration ran', async () => {
    const running = { customers: true, barista: true };
    // Customers: an order each every ~300 ms, one in five cancelled at once; retries reuse the key.
    const customerLoops = customers.map(async (customer, index) => {
      let n = 0;
      while (running.customers) {
        const key = randomUUID();
        const placed = await request(`order (${key})`, () =>
          api.placeOrder(customer.token, latte, key),
        );
        if (placed.status !== 201 && placed.status !== 200) {
          stats.failures.push(`order answered ${placed.status}: ${JSON.stringify(placed.body)}`);
        } else {
          // A retry after a reset reuses the key; had the lost attempt placed an order and the
          // retry another, the customer's history would hold one the API never answered, which
          // the check "no lost orders" below refuses.
          customer.orders.set(key, placed.body.id);
          if (++n % 5 === index % 5) {
            await request('cancel', () =>
              api.call<Order>('POST', `/v1/orders/${placed.body.id}/cancel`, {
                token: customer.token,
                body: { reason: 'drill' },
              }),
            );
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
    // The barista: accept what is placed, make what is accepted, hand over what is ready.
    const act = async (order: Order, action: string) => {
      const response = await request(`${action} ${order.id}`, () =>
        api.call<Order & { currentStatus?: string }>('POST', `/v1/orders/${order.id}/${action}`, {
          token: barista,
          headers: { 'idempotency-key': `${order.id}-${action}` },
        }),
      );
      // 409: the order moved on (the customer cancelled first): not a failure of the system.
      if (response.status !== 200 && response.status !== 409) {
        stats.failures.push(
          `${action} answered ${response.status}: ${JSON.stringify(response.body)}`,
        );
      }
    };
    const baristaLoop = (async () => {
      while (running.barista) {
        const queue = await request('queue', () =>
          api.call<{ orders: Order[] }>('GET', '/v1/orders?status=placed,accepted,ready', {
            token: barista,
          }),
        );
        if (queue.status !== 200) {
          stats.failures.push(`queue answered ${queue.status}: ${JSON.stringify(queue.body)}`);
        } else {
          for (const order of queue.body.orders) {
            const next = (nextAction as Record<string, string | undefined>)[order.status];
            if (next) await act(order, next);
          }
        }
        // Once a second, as a board that polls would: five times a second, with the actions,
        // ran past the server's 300 requests a minute per user and was answered 429.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const started = Date.now();
    // The upgrade, exactly as an operator runs it.
    await run('make', ['--no-print-directory', '-C', 'k8s', 'deploy-staging'], {
      cwd: root,
      env: { ...process.env, TAG: toTag, CLUSTER: 'local' },
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const upgradeSeconds = (Date.now() - started) / 1000;
    for (const app of ['server', 'order', 'customer'])
      assert.equal(await imageTag('staging', app), toTag);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    running.customers = false;
    await Promise.all(customerLoops);

    // Every order placed before, during and after the upgrade reaches its end.
    const all = customers.flatMap((customer) =>
      [...customer.orders.values()].map((id) => ({ id, token: customer.token })),
    );
    await eventually(
      'every order is completed or cancelled',
      async () => {
        for (const { id, token } of all) {
          const order = await api.call<Order>('GET', `/v1/orders/${id}`, { token });
          if (order.status !== 200 || !['completed', 'cancelled'].includes(order.body.status))
            return false;
        }
        return true;
      },
      180_000,
    );
    running.barista = false;
    await baristaLoop;

    // No lost orders: each customer's history holds exactly the orders the API answered.
    for (const customer of customers) {
      const history = await api.call<{ orders: Order[] }>('GET', '/v1/orders?limit=200', {
        token: customer.token,
      });
      assert.deepEqual(
        new Set(history.body.orders.map((order) => order.id)),
        new Set(customer.orders.values()),
      );
    }
    // SSE: the server pod was replaced under the watchers; each resumed with Last-Event-ID and
    // saw every order's full story, with no event twice.
    await eventually(
      'the watchers caught up',
      () =>
        Promise.resolve(
          watchers.every((watcher) =>
            all.every(({ id }) => {
              const statuses = watcher.seen.get(id);
              return statuses?.has('completed') || statuses?.has('cancelled');
            }),
          ),
        ),
      60_000,
    );
    for (const watcher of watchers) {
      assert.ok(
        watcher.connections >= 2,
        `the watcher reconnected (${watcher.connections} connections)`,
      );
      assert.ok(watcher.resumedWith.length >= 1, 'it resumed with Last-Event-ID');
      assert.equal(new Set(watcher.ids).size, watcher.ids.length, 'no event arrived twice');
      for (const { id } of all) assert.ok(watcher.seen.get(id)?.has('placed'), `saw ${id} placed`);
    }
    // The new migration ran (its hook, before the pods), on staging's database only.
    const postgres = (
      await kubectl([
        'get',
        'pods',
        '-n',
        'infra',
        '-l',
        'app.kubernetes.io/name=postgresql',
        '-o',
        'name',
      ])
    ).trim();
    const column = (db: string) =>
      exec('infra', postgres, [
        'psql',
        '-h',
        '/tmp',
        '-U',
        'postgres',
        '-d',
        db,
        '-tAc',
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'upgrade_drill_note'",
      ]);
    assert.equal((await column('order_db_staging')).output.trim(), '1');
    assert.equal((await column('order_db_prod')).output.trim(), '0');
    const job = await kubectl(['logs', '-n', 'staging', 'job/order-migration']);
    assert.match(job, new RegExp(upgradeMigration.replace('.sql', '')));
    for (const pod of await pods('staging', 'app in (server,order,customer)')) {
      for (const container of pod.status.containerStatuses ?? [])
        assert.equal(container.restartCount, 0);
    }

    console.log(
      `upgrade ${fromTag} → ${toTag} in ${upgradeSeconds.toFixed(0)} s: ${stats.requests} requests, ${all.length} orders, ` +
        `${stats.retried} retried, ${stats.rateLimited} waited out a 429, ${stats.failures.length} failed; ` +
        `watchers: ${watchers.map((watcher) => `${watcher.connections} connections`).join(', ')}`,
    );
    assert.deepEqual(stats.failures, [], 'no request failed');
  });
});

describe("prod's disruption budget", () => {
  test('evicting both server pods at once is refused: one stays', async () => {
    const servers = await pods('prod', 'app=server');
    assert.equal(servers.length, 2);
    const body = (name: string) =>
      JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'prod' },
      });
    const [one, other] = servers.map((pod) => pod.metadata.name);
    assert.ok(one && other);
    const first = await evictWith(body(one), one);
    assert.doesNotMatch(first, /disruption budget/);
    const second = await evictWith(body(other), other);
    assert.match(second, /disruption budget/);
    await eventually(
      'prod has two ready servers again',
      async () => {
        const now = await kubectlJson<{ status: { readyReplicas?: number } }>([
          'get',
          'deploy',
          'server',
          '-n',
          'prod',
        ]);
        return now.status.readyReplicas === 2;
      },
      120_000,
    );
  });
});

/** POSTs an Eviction for a pod; resolves with kubectl's answer or its error text. */
async function evictWith(body: string, name: string): Promise<string> {
  const child = spawn(
    `${process.env.CLUSTER_BIN}/kubectl`,
    ['create', '--raw', `/api/v1/namespaces/prod/pods/${name}/eviction`, '-f', '-'],
    {
      env: process.env,
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(body);
  await new Promise((resolve) => child.on('close', resolve));
  return output;
}
