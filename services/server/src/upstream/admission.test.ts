import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Problem } from '../problem.ts';
import { Admission } from './admission.ts';

/** Work that runs until released, recording that it started. */
function gate() {
  const started: number[] = [];
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    started,
    open: () => open(),
    work: (id: number) => async () => {
      started.push(id);
      await opened;
      return id;
    },
  };
}

const refusedAsOverloaded = (error: unknown) =>
  error instanceof Problem &&
  error.status === 503 &&
  error.type === '/problems/overloaded' &&
  error.headers['retry-after'] === '1';

test('runs at most `concurrency` at once, queues up to `queue`, refuses the rest before they start', async () => {
  const admission = new Admission('tests', { concurrency: 2, queue: 1, maxWaitMs: 10_000 });
  const { started, open, work } = gate();
  const admitted = [1, 2, 3].map((id) => admission.run(work(id)));
  await assert.rejects(admission.run(work(4)), refusedAsOverloaded);
  await sleep(10);
  assert.deepEqual(started, [1, 2]);
  open();
  assert.deepEqual(await Promise.all(admitted), [1, 2, 3]);
  assert.deepEqual(started, [1, 2, 3]);
  // Drained: room again.
  assert.equal(await admission.run(() => Promise.resolve(5)), 5);
});

test('a call that waited past maxWaitMs is refused without running', async () => {
  const admission = new Admission('tests', { concurrency: 1, queue: 5, maxWaitMs: 20 });
  const { started, open, work } = gate();
  const first = admission.run(work(1));
  const waiting = admission.run(work(2));
  await sleep(50);
  open();
  assert.equal(await first, 1);
  await assert.rejects(waiting, refusedAsOverloaded);
  assert.deepEqual(started, [1]);
});

test('a failed call frees its slot', async () => {
  const admission = new Admission('tests', { concurrency: 1, queue: 0, maxWaitMs: 1_000 });
  await assert.rejects(
    admission.run(() => Promise.reject(new Error('peer down'))),
    /peer down/,
  );
  assert.equal(await admission.run(() => Promise.resolve('ok')), 'ok');
});
