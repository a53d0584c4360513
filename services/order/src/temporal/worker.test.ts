// The order worker as the image runs it: from a workflow bundle made ahead of time by
// `bundle-workflows`, with the tracing plugin whose workflow interceptors the bundle carries.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { orderTestDeps } from '../testing.ts';
import { temporalTracing } from './tracing.ts';

const bundleCommand = fileURLToPath(new URL('../bundle-workflows.ts', import.meta.url));

describe('a worker started from a workflow bundle made ahead of time', () => {
  let dir: string;
  let deps: Awaited<ReturnType<typeof orderTestDeps>>;
  let app: OrderApp;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workflow-bundle-'));
    const bundle = path.join(dir, 'order-workflows.js');
    await promisify(execFile)(process.execPath, [bundleCommand, bundle]);
    deps = await orderTestDeps();
    const tracing = temporalTracing({
      resource: resourceFromAttributes({}),
      spanProcessor: new NoopSpanProcessor(),
    });
    app = await createApp({
      ...deps,
      temporal: { ...deps.temporal, plugins: [tracing], workflowBundlePath: bundle },
    });
    await app.start('127.0.0.1', 0);
  });

  after(async () => {
    await teardownStep('order app', () => app.close(2_000));
    await deps.close();
    await rm(dir, { recursive: true });
  });

  test('runs an order from placed to picked up', async () => {
    const customerId = await deps.registerCustomer();
    const { items } = await app.catalog.list();
    const espresso = items.find((item) => item.name === 'Espresso');
    assert.ok(espresso);
    const orderId = randomUUID();
    await app.ordering.place({
      orderId,
      customerId,
      customerName: 'Ada',
      redeemFreeDrink: false,
      lines: [{ menuItemId: espresso.id, quantity: 1, optionIds: [] }],
    });
    const barista = { actorId: randomUUID() };
    for (const [action, status] of [
      ['accept', 'accepted'],
      ['markReady', 'ready'],
      ['pickUp', 'completed'],
    ] as const) {
      await eventually(`the order ${status}`, async () => {
        const order = await app.ordering.act(orderId, action, barista).catch(() => undefined);
        return order?.status === status;
      });
    }
    assert.equal((await app.ordering.get(orderId)).status, 'completed');
  });
});
