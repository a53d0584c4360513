// A worker that shuts down (its pod replaced in a rolling upgrade) had orders in its cache, whose
// next tasks Temporal sends to that worker's own (sticky) queue. The next worker must take them:
// a barista's action on such an order is applied, not left waiting for a worker that is gone.
// (A worker that vanishes without a shutdown, killed or frozen, holds them for the sticky
// queue's schedule-to-start timeout: 3 s, see worker.ts.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import { orderTestDeps, placeEspresso } from '../testing.ts';

let deps: Awaited<ReturnType<typeof orderTestDeps>>;
let stays: OrderApp | undefined;

before(async () => {
  deps = await orderTestDeps({ acceptMs: 120_000 });
});
after(async () => {
  const app = stays;
  if (app) await teardownStep('order app', () => app.close(2_000));
  await deps.close();
});

test('an order cached by a worker that shut down is accepted through the next worker', async (t) => {
  // The order is placed through one app: its worker takes the first workflow task eagerly and
  // keeps the workflow in its cache; then that app shuts down as a pod does, and another one,
  // with a worker of its own, starts (one process registers one worker per task queue at a time).
  const leaves = await createApp(deps);
  await leaves.start('127.0.0.1', 0);
  const customerId = await deps.registerCustomer();
  const orderId = await placeEspresso(leaves, customerId);
  await eventually('the order is charged', async () => {
    const { status } = await leaves.ordering.get(orderId);
    return status === 'placed';
  });
  await leaves.close(5_000);
  stays = await createApp(deps);
  await stays.start('127.0.0.1', 0);

  const started = Date.now();
  const accepted = await stays.ordering.act(orderId, 'accept', { actorId: randomUUID() });
  const tookMs = Date.now() - started;
  assert.equal(accepted.status, 'accepted');
  // How long it took is a figure, not an assertion: a loaded machine stretches it.
  t.diagnostic(`the accept took ${tookMs} ms`);
});
