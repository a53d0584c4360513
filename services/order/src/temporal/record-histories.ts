// `record-histories.ts [--workflow-code=REF] OUT_DIR`: runs the order workflow on the test stack
// (real Temporal, Postgres, customer service and Kafka) down every way an order can go, and
// writes each run's history to OUT_DIR/<way>.json: the fixtures that replay.test.ts replays.
// With --workflow-code=REF the worker runs the workflow code of that commit instead of this
// tree's: how the histories of orders started before a workflow change are recorded.
// scripts/record-histories.sh runs it for both; nobody edits a history by hand.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { callUnary } from '@everything/grpc';
import { eventually, stack, teardownStep } from '@everything/test-support';
import { createApp, type OrderApp } from '../app.ts';
import type { OrderAction } from '../orders/order.ts';
import { orderTestDeps } from '../testing.ts';
import type { ActionInput } from '../workflows/definitions.ts';
import { workflowIdOf } from './order-workflows.ts';
import { bundleOrderWorkflows } from './worker.ts';

const { values, positionals } = parseArgs({
  options: { 'workflow-code': { type: 'string' } },
  allowPositionals: true,
});
if (!positionals[0]) {
  console.error('usage: record-histories.ts [--workflow-code=REF] OUT_DIR');
  process.exit(2);
}
const out = positionals[0];
const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
// The temporal CLI writes histories in the JSON form every Temporal tool reads (and the
// replayer takes); scripts/record-histories.sh says where the stack's CLI is.
const temporalCli = process.env.TEMPORAL_CLI ?? 'temporal';

/** The workflow code of REF, extracted beside this tree (so it resolves the installed packages) and bundled. */
async function bundleAt(ref: string): Promise<string> {
  const commit = execFileSync('git', ['rev-parse', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
  const dir = path.join(root, '.dev', 'workflow-code', commit);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const archive = execFileSync('git', ['archive', commit, 'services/order/src'], { cwd: root });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  const bundle = path.join(dir, 'order-workflows.js');
  await writeFile(
    bundle,
    await bundleOrderWorkflows(
      [],
      path.join(dir, 'services/order/src/workflows/order-workflow.ts'),
    ),
  );
  return bundle;
}

// Timeouts short enough to record the timeouts in seconds, long enough for the script to act first.
const deps = await orderTestDeps({ acceptMs: 6_000, pickupMs: 6_000 });
const workflowBundlePath = values['workflow-code']
  ? await bundleAt(values['workflow-code'])
  : undefined;
const app: OrderApp = await createApp({
  ...deps,
  temporal: { ...deps.temporal, workflowBundlePath },
});
await app.start('127.0.0.1', 0);

const { items } = await app.catalog.list();
const menuItem = (name: string) => {
  const item = items.find((candidate) => candidate.name === name);
  if (!item) throw new Error(`the seeded menu has no ${name}`);
  return item.id;
};
const barista: ActionInput = { actorId: randomUUID() };

async function place(
  customerId: string,
  lines: { name: string; quantity: number }[],
  redeemFreeDrink = false,
): Promise<string> {
  const orderId = randomUUID();
  await app.ordering.place({
    orderId,
    customerId,
    customerName: 'Ada',
    redeemFreeDrink,
    lines: lines.map(({ name, quantity }) => ({
      menuItemId: menuItem(name),
      quantity,
      optionIds: [],
    })),
  });
  return orderId;
}

/** Acts once the workflow takes the action (right after placing, it may still be taking payment). */
async function act(orderId: string, action: OrderAction, input = barista): Promise<void> {
  await eventually(`${action} on order ${orderId}`, async () => {
    try {
      await app.ordering.act(orderId, action, input);
      return true;
    } catch {
      return false;
    }
  });
}

async function finished(orderId: string): Promise<string> {
  return (await deps.temporal.client.workflow.getHandle(workflowIdOf(orderId)).result()) as string;
}

async function record(way: string, orderId: string, expected: string): Promise<void> {
  const status = await finished(orderId);
  if (status !== expected) throw new Error(`${way}: the order ended ${status}, not ${expected}`);
  const history = execFileSync(
    temporalCli,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowIdOf(orderId),
      '--address',
      stack.temporalAddress,
      '--namespace',
      deps.temporal.namespace,
      '--output',
      'json',
    ],
    { encoding: 'utf8' },
  );
  await writeFile(path.join(out, `${way}.json`), history);
  console.log(`recorded ${way} (${status})`);
}

async function pickedUp(
  customerId: string,
  lines: { name: string; quantity: number }[],
  redeemFreeDrink = false,
) {
  const orderId = await place(customerId, lines, redeemFreeDrink);
  await act(orderId, 'accept');
  await act(orderId, 'markReady');
  await act(orderId, 'pickUp', { actorId: customerId });
  return orderId;
}

try {
  await mkdir(out, { recursive: true });
  const customerId = await deps.registerCustomer('Ada');

  await record(
    'picked-up',
    await pickedUp(customerId, [{ name: 'Espresso', quantity: 1 }]),
    'completed',
  );

  const declined = await place(customerId, [{ name: 'Cortado', quantity: 1 }]);
  await act(declined, 'decline');
  await record('declined', declined, 'cancelled');

  const cancelled = await place(customerId, [{ name: 'Americano', quantity: 1 }]);
  await act(cancelled, 'cancel', { actorId: customerId });
  await record('cancelled-by-customer', cancelled, 'cancelled');

  await record(
    'accept-timeout',
    await place(customerId, [{ name: 'Mocha', quantity: 1 }]),
    'cancelled',
  );

  const unclaimed = await place(customerId, [{ name: 'Cappuccino', quantity: 1 }]);
  await act(unclaimed, 'accept');
  await act(unclaimed, 'markReady');
  await record('pickup-timeout', unclaimed, 'expired');

  // More than the tab allows (50.00 on the test stack): the customer service refuses the charge.
  const unpaid = await place(customerId, [{ name: 'Matcha latte', quantity: 12 }]);
  await record('payment-failed', unpaid, 'cancelled');

  // A drink paid with points, by a customer who earned them with a completed order first.
  const regular = await deps.registerCustomer('Grace');
  await finished(await pickedUp(regular, [{ name: 'Flat white', quantity: 3 }]));
  await eventually(
    'the points of the completed order',
    async () =>
      ((await callUnary(deps.customers, 'getCustomer', { id: regular }, 5_000)).customer
        ?.loyaltyPoints ?? 0) >= deps.pointsPerFreeDrink,
    30_000,
  );
  const free = await pickedUp(regular, [{ name: 'Caffè latte', quantity: 1 }], true);
  await record('free-drink', free, 'completed');
} finally {
  await teardownStep('order app', () => app.close(2_000));
  await deps.close();
}
process.exit(0);
