// `make replay`: every recorded history of the order workflow must replay against the workflow
// code as it is now. An order lives up to 35 minutes and a café upgrades while orders are open:
// a change that makes an open order's history replay differently (an activity added, removed
// or reordered without `patched()`) leaves that order stuck after the deploy. The histories are
// real runs recorded by record-histories.ts against the test stack (../workflows/histories/),
// never edited by hand.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createLogger } from '@everything/logger';
import { installTemporalRuntime } from './runtime.ts';
import { historyFixtures, historiesDir } from './histories.ts';

// The replayer's failures are the test's answer; its own logs would only bury them.
installTemporalRuntime(createLogger('order-workflow-replay', 'silent'));

const workflows = fileURLToPath(new URL('../workflows/', import.meta.url));

/** Replays every fixture against the workflows at `workflowsPath`; one line per failure. */
async function replayFixtures(workflowsPath: string): Promise<string[]> {
  const fixtures = await historyFixtures();
  const histories = await Promise.all(
    fixtures.map(async (fixture) => ({
      workflowId: fixture,
      history: JSON.parse(await readFile(path.join(historiesDir, fixture), 'utf8')) as unknown,
    })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowsPath, replayName: 'order-workflow-replay' },
    histories,
  )) {
    if (result.error) {
      failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
  }
  return failures;
}

const scratch: string[] = [];
after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

const scenarios = [
  'picked-up',
  'declined',
  'cancelled-by-customer',
  'accept-timeout',
  'pickup-timeout',
  'payment-failed',
  'free-drink',
];
/** Today's workflow, and the workflow as it was before each of its patches. */
const versions = ['', 'before-local-payment/', 'before-accept-notification/'];
const fixturesOf = (names: string[]) =>
  versions.flatMap((version) => names.map((name) => `${version}${name}.json`)).sort();

test('a fixture was recorded for every way an order goes, before and after each patch', async () => {
  assert.deepEqual((await historyFixtures()).sort(), fixturesOf(scenarios));
});

test('every recorded history replays against the workflow as it is', async () => {
  const failures = await replayFixtures(path.join(workflows, 'order-workflow.ts'));
  assert.deepEqual(failures, [], `histories that no longer replay:\n${failures.join('\n')}`);
});

/** A copy of the workflow with `original` replaced, beside the original so its imports resolve. */
async function editedWorkflow(original: string, replacement: string): Promise<string> {
  const copy = await mkdtemp(path.join(workflows, '..', '.edited-workflow-'));
  scratch.push(copy);
  await cp(path.join(workflows, 'definitions.ts'), path.join(copy, 'definitions.ts'));
  const source = await readFile(path.join(workflows, 'order-workflow.ts'), 'utf8');
  assert.ok(source.includes(original), `the workflow has ${original}`);
  await writeFile(path.join(copy, 'order-workflow.ts'), source.replace(original, replacement));
  return path.join(copy, 'order-workflow.ts');
}

const brokenFixtures = (failures: string[]) =>
  failures.map((line) => line.slice(0, line.indexOf(':'))).sort();

test('a workflow whose activity calls are reordered fails replay, naming each fixture it breaks', async () => {
  // A cancellation that refunds the tab before recording the new status instead of after.
  const reordered = await editedWorkflow(
    `    try {
      await move('cancelled', reason);
    } finally {
      await refundTab(payer, input.orderId);`,
    `    try {
      await refundTab(payer, input.orderId);
    } finally {
      await move('cancelled', reason);`,
  );
  const failures = await replayFixtures(reordered);
  // Every order that was cancelled went through those steps; the others did not.
  const cancelled = ['accept-timeout', 'cancelled-by-customer', 'declined', 'payment-failed'];
  assert.deepEqual(brokenFixtures(failures), fixturesOf(cancelled), failures.join('\n'));
  for (const line of failures) {
    assert.match(
      line,
      /DeterminismViolationError: .*Nondeterminism error: Activity type of scheduled event 'recordTransition' does not match activity type of activity command 'refundTab'/,
    );
  }
});

test('without patched(), the notification breaks the history of every accepted order, before the change or after', async () => {
  const unpatched = await editedWorkflow('patched(NOTIFY_CUSTOMER_ON_ACCEPT)', 'true');
  const failures = await replayFixtures(unpatched);
  const accepted = ['free-drink', 'picked-up', 'pickup-timeout'];
  assert.deepEqual(brokenFixtures(failures), fixturesOf(accepted), failures.join('\n'));
});

test('without patched(), the local payment breaks the history of every order, before the change or after', async () => {
  // Every recorded order pays, with its tab or its points: before the change through the task
  // queue, after it with the marker the patch records.
  const unpatched = await editedWorkflow('patched(PAYMENT_AS_LOCAL_ACTIVITY)', 'true');
  const failures = await replayFixtures(unpatched);
  assert.deepEqual(brokenFixtures(failures), fixturesOf(scenarios), failures.join('\n'));
});

test('the recorded histories hold the patch marker only where the patch ran', async () => {
  // A patch marker's id is in its payload, as base64-encoded JSON.
  const withMarker = async (fixture: string, patch: string) =>
    [...(await readFile(path.join(historiesDir, fixture), 'utf8')).matchAll(/"data": "([^"]+)"/g)]
      .map(([, data]) => Buffer.from(data ?? '', 'base64').toString())
      .some((decoded) => decoded.includes(`"id":"${patch}"`));
  const notify = 'notify-customer-on-accept';
  assert.equal(await withMarker('picked-up.json', notify), true);
  assert.equal(await withMarker('before-local-payment/picked-up.json', notify), true);
  assert.equal(await withMarker('before-accept-notification/picked-up.json', notify), false);
  assert.equal(await withMarker('free-drink.json', notify), true);
  assert.equal(await withMarker('declined.json', notify), false);
  const localPayment = 'payment-as-local-activity';
  assert.equal(await withMarker('declined.json', localPayment), true);
  assert.equal(await withMarker('free-drink.json', localPayment), true);
  assert.equal(await withMarker('before-local-payment/declined.json', localPayment), false);
  assert.equal(await withMarker('before-accept-notification/free-drink.json', localPayment), false);
});
