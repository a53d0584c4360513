// The order worker as the image runs it: from a workflow bundle made ahead of time by
// `bundle-workflows`, with the tracing plugin whose workflow interceptors the bundle carries.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { orderTestDeps, placeEspresso } from '../testing.ts';
import { temporalTracing } from './tracing.ts';
import { createOrderWorker, piWorkerSizing } from './worker.ts';

const bundleCommand = fileURLToPath(new URL('../bundle-workflows.ts', import.meta.url));

describe('a worker started from a workflow bundle made ahead of time', () => {
  let dir: string;
  let bundle: string;
  let deps: Awaited<ReturnType<typeof orderTestDeps>>;
  let app: OrderApp;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workflow-bundle-'));
    bundle = path.join(dir, 'order-workflows.js');
    await promisify(execFile)(process.execPath, [bundleCommand, bundle]);
    deps = await orderTestDeps();
    const tracing = temporalTracing({
      resource: resourceFromAttributes({}),
      spanProcessor: new NoopSpanProcessor(),
    });
    app = await createApp({
      ...deps,
      temporal: {
        ...deps.temporal,
        plugins: [tracing],
        workflowBundlePath: bundle,
        // Smaller than the orders of the last test: evicted workflows must replay and go on.
        sizing: piWorkerSizing,
      },
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
    const orderId = await placeEspresso(app, customerId);
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

  test('keeps its inline source map to mappings: stack traces name the source, without its text', async () => {
    const code = await readFile(bundle, 'utf8');
    const at = code.lastIndexOf('//# sourceMappingURL=data:');
    assert.ok(at > 0, 'the worker requires an inline source map');
    const data = code.indexOf('base64,', at) + 'base64,'.length;
    const map = JSON.parse(Buffer.from(code.slice(data).trim(), 'base64').toString('utf8')) as {
      sources: string[];
      mappings: string;
      sourcesContent?: unknown;
    };
    assert.equal(map.sourcesContent, undefined);
    assert.ok(map.mappings.length > 0);
    assert.ok(map.sources.some((source) => source.endsWith('workflows/order-workflow.ts')));
  });

  test('orders beyond the workflow cache still go from placed to accepted', async () => {
    const orderIds: string[] = [];
    // A customer each: one tab would reach its limit long before.
    for (let placed = 0; placed < piWorkerSizing.maxCachedWorkflows + 8; placed++)
      orderIds.push(await placeEspresso(app, await deps.registerCustomer()));
    const barista = { actorId: randomUUID() };
    for (const orderId of orderIds) {
      await eventually('the order accepted', async () => {
        const order = await app.ordering.act(orderId, 'accept', barista).catch(() => undefined);
        return order?.status === 'accepted';
      });
    }
  });

  test('with the Pi sizing, a new order workflow comes back with its first task (eager start)', async () => {
    const orderId = randomUUID();
    const handle = await deps.temporal.client.workflow.start('orderWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: `order-${orderId}`,
      // Free and paid for: the workflow only waits to be accepted.
      args: [
        {
          orderId,
          customerId: randomUUID(),
          totalCents: 0,
          pointsToRedeem: 0,
          acceptBy: Date.now() + 60_000,
          pickupTimeoutMs: 60_000,
        },
      ],
      requestEagerStart: true,
    });
    try {
      assert.equal(handle.eagerlyStarted, true, 'the first workflow task came through the queue');
    } finally {
      await handle.terminate('test finished');
    }
  });

  const refusedSizings = [
    {
      what: 'a workflow cache smaller than its task slots',
      sizing: { ...piWorkerSizing, workflowTaskSlots: 8, maxCachedWorkflows: 6 },
      variable: /TEMPORAL_MAX_CACHED_WORKFLOWS/,
    },
    {
      what: 'task slots that its pollers would all hold, leaving none for eager start',
      sizing: { ...piWorkerSizing, workflowTaskSlots: 4, workflowTaskPollers: 2 },
      variable: /TEMPORAL_WORKFLOW_TASK_SLOTS: must exceed the 4 slots its pollers hold/,
    },
    {
      what: 'more pollers than task slots',
      sizing: { ...piWorkerSizing, workflowTaskSlots: 2, workflowTaskPollers: 3 },
      variable: /TEMPORAL_WORKFLOW_TASK_POLLERS/,
    },
  ];
  for (const { what, sizing, variable } of refusedSizings) {
    test(`refuses ${what}, naming the variable`, async () => {
      await assert.rejects(
        createOrderWorker({
          connection: deps.temporal.connection,
          namespace: deps.temporal.namespace,
          taskQueue: `refused-${randomUUID()}`,
          activities: {} as never,
          plugins: [],
          workflowBundlePath: bundle,
          sizing,
        }),
        variable,
      );
    });
  }
});
