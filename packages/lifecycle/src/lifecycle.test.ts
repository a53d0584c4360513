import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@everything/logger';
import { Lifecycle } from './index.ts';

const logger = createLogger('test', 'silent');

test('resources stop in reverse order of start and readiness drops first', async () => {
  const lifecycle = new Lifecycle(logger, 1000);
  const order: string[] = [];
  lifecycle.onStop('pool', () => {
    order.push('pool');
  });
  lifecycle.onStop('server', async () => {
    assert.equal(lifecycle.accepting, false);
    await new Promise((resolve) => setTimeout(resolve, 10));
    order.push('server');
  });
  assert.equal(lifecycle.accepting, true);
  assert.equal(await lifecycle.stop(), 0);
  assert.deepEqual(order, ['server', 'pool']);
});

test('a resource that hangs past the budget makes the exit code non-zero but later ones still stop', async () => {
  const lifecycle = new Lifecycle(logger, 50);
  let poolClosed = false;
  lifecycle.onStop('pool', () => {
    poolClosed = true;
  });
  lifecycle.onStop('stuck', () => new Promise(() => {}));
  assert.equal(await lifecycle.stop(), 1);
  assert.equal(poolClosed, true);
});

test('a failing stop is reported and stopping twice runs the stops once', async () => {
  const lifecycle = new Lifecycle(logger, 1000);
  let calls = 0;
  lifecycle.onStop('broken', () => {
    calls += 1;
    throw new Error('boom');
  });
  const [first, second] = await Promise.all([lifecycle.stop(), lifecycle.stop()]);
  assert.equal(first, 1);
  assert.equal(second, 1);
  assert.equal(calls, 1);
});
