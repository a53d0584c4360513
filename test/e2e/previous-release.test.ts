// The window of a rolling upgrade: the migrations of a release run first (the Helm hook), while
// the previous release's pods still serve. So the previous release's services (its tag, or
// main's merge base while there is none: scripts/contracts/baseline.sh) must run the journey
// on the schema this tree's migrations make. And the check bites: the same old code on a schema
// that dropped a column it reads fails with Postgres's own message.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { menuV1, orderV1 } from '@everything/contracts';
import { callUnary, channelOptions, insecure } from '@everything/grpc';
import { migratedScratchDatabase } from '@everything/test-support';
import pg from 'pg';
import { eventually, ServiceProcess, waitForPort } from './support/processes.ts';
import { servicesEnv } from './support/services-env.ts';

const root = new URL('../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

/** The previous release's code, extracted once into .dev/baseline/<commit>. */
async function previousRelease(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [
    `${root}scripts/contracts/baseline-tree.sh`,
  ]);
  return stdout.trim();
}

let tree: string;
before(async () => {
  tree = await previousRelease();
});

/** The fields of the API's answers this journey reads. */
interface Answer {
  accessToken?: string;
  items?: { id: string; name: string }[];
  id?: string;
  status?: string;
  loyaltyPoints?: number;
}

describe("the previous release's services on this tree's schema", () => {
  const services: ServiceProcess[] = [];
  const admin = { email: `admin-${randomUUID()}@example.com`, password: 'a long admin password' };
  let base: string;

  before(async () => {
    const ports = { server: await freePort(), order: await freePort(), customer: await freePort() };
    const env = servicesEnv(`upgrade-${randomUUID()}`, ports);
    base = `http://127.0.0.1:${ports.server}`;
    // The stack's order_db and customer_db, which `make test` migrated with this tree's migrations.
    const server = {
      ...env.server,
      BOOTSTRAP_ADMIN_EMAIL: admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    };
    for (const [name, variables] of [
      ['customer', env.customer],
      ['order', env.order],
      ['server', server],
    ] as const) {
      services.push(new ServiceProcess(name, variables, 'main', [], tree));
      await waitForPort(ports[name], 60_000);
    }
  });

  after(async () => {
    for (const service of services.toReversed()) await service.stop();
  });

  const call = async (method: string, route: string, token?: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(method === 'POST' && route === '/v1/orders' && { 'idempotency-key': randomUUID() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
  };

  test('a customer orders, the barista makes it, the customer picks it up and earns points', async () => {
    const signedUp = await call('POST', '/v1/auth/register', undefined, {
      email: `ada-${randomUUID()}@example.com`,
      password: 'correct horse battery',
      displayName: 'Ada',
    });
    assert.equal(signedUp.status, 201, JSON.stringify(signedUp.body));
    const customer = signedUp.body.accessToken ?? '';
    let barista = '';
    await eventually('the bootstrap admin signs in', async () => {
      const signedIn = await call('POST', '/v1/auth/login', undefined, admin);
      barista = signedIn.body.accessToken ?? '';
      return signedIn.status === 200;
    });

    const menu = await call('GET', '/v1/menu');
    assert.equal(menu.status, 200);
    const latte = menu.body.items?.find((item) => item.name === 'Caffè latte');
    assert.ok(latte);
    const placed = await call('POST', '/v1/orders', customer, {
      items: [{ menuItemId: latte.id, quantity: 1 }],
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const id = placed.body.id ?? '';

    for (const [action, token, status] of [
      ['accept', barista, 'accepted'],
      ['ready', barista, 'ready'],
      ['pickup', customer, 'completed'],
    ] as const) {
      await eventually(`the order is ${status}`, async () => {
        const acted = await call('POST', `/v1/orders/${id}/${action}`, token, {});
        return acted.status === 200 && acted.body.status === status;
      });
    }
    await eventually(
      'the completed order earns its points through Kafka',
      async () => (await call('GET', '/v1/customers/me', customer)).body.loyaltyPoints === 4,
      30_000,
    );
  });
});

describe('the check bites: a column the previous release reads is dropped', () => {
  let order: ServiceProcess | undefined;
  let database: Awaited<ReturnType<typeof migratedScratchDatabase>>;

  before(async () => {
    database = await migratedScratchDatabase(
      'order_service',
      new URL('../../services/order/migrations/', import.meta.url),
    );
    // What a contract step released too early would do.
    const client = new pg.Client({
      host: database.config.DB_HOST,
      port: database.config.DB_PORT,
      database: database.config.DB_NAME,
      user: database.config.DB_USER,
      password: database.config.DB_PASSWORD,
    });
    await client.connect();
    await client.query('ALTER TABLE orders DROP COLUMN customer_name');
    await client.end();
  });

  after(async () => {
    await order?.stop();
    await database.drop();
  });

  test('placing an order fails, and the order service says which column is missing', async (t) => {
    const port = await freePort();
    const env = servicesEnv(`upgrade-${randomUUID()}`, { server: 0, order: port, customer: 9 });
    order = new ServiceProcess(
      'order',
      { ...env.order, DB_NAME: database.config.DB_NAME },
      'main',
      [],
      tree,
    );
    await waitForPort(port, 60_000);
    const address = `127.0.0.1:${port}`;
    const menu = new menuV1.MenuServiceClient(address, insecure(), channelOptions);
    const orders = new orderV1.OrderServiceClient(address, insecure(), channelOptions);
    try {
      const { items } = await callUnary(menu, 'listMenuItems', {}, 10_000);
      await assert.rejects(
        callUnary(
          orders,
          'placeOrder',
          {
            orderId: randomUUID(),
            customerId: randomUUID(),
            customerName: 'Ada',
            lines: [{ menuItemId: items[0]?.id ?? '', quantity: 1, optionIds: [] }],
            redeemFreeDrink: false,
          },
          10_000,
        ),
      );
      await eventually('the order service logs the missing column', () =>
        Promise.resolve(
          /column \\?"customer_name\\?" (of relation \\?"orders\\?" )?does not exist/.test(
            order?.output ?? '',
          ),
        ),
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; the order service said:\n${order?.output ?? ''}`);
      });
      t.diagnostic(/column [^,]*does not exist/.exec(order.output)?.[0] ?? '');
    } finally {
      menu.close();
      orders.close();
    }
  });
});
