import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { channelOptions, deadlineIn, insecure } from './client.ts';
import { HealthClient } from './health-client.ts';
import { createGrpcServer } from './server.ts';

/** The health service's Check, which every gRPC server of ours answers, as a promise. */
function check(client: InstanceType<typeof HealthClient>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) =>
    client.check({ service: '' }, deadlineIn(timeoutMs), (error, response) =>
      error ? reject(error) : resolve(response?.status ?? 'UNKNOWN'),
    ),
  );
}

const protos = { root: new URL('../../../proto', import.meta.url).pathname, files: [] };

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('a call made while its peer is away succeeds once the peer is back within the retries', async () => {
  const port = await freePort();
  const client = new HealthClient(`127.0.0.1:${port}`, insecure(), channelOptions);
  const peer = createGrpcServer([], protos);
  try {
    const answered = check(client, 5_000);
    // The peer starts listening only after the first attempts were refused.
    await sleep(400);
    await peer.listen('127.0.0.1', port);
    peer.setServing(true);
    assert.equal(await answered, 'SERVING');
  } finally {
    client.close();
    await peer.stop(100);
  }
});

test('without the retry policy the same call fails at once as UNAVAILABLE', async () => {
  const port = await freePort();
  const withoutRetries = { ...channelOptions };
  delete withoutRetries['grpc.service_config'];
  const client = new HealthClient(`127.0.0.1:${port}`, insecure(), withoutRetries);
  try {
    await assert.rejects(check(client, 5_000), {
      code: grpc.status.UNAVAILABLE,
    });
  } finally {
    client.close();
  }
});

test('a peer that stays away still fails the call as UNAVAILABLE, well within its deadline', async () => {
  const port = await freePort();
  const client = new HealthClient(`127.0.0.1:${port}`, insecure(), channelOptions);
  const started = Date.now();
  try {
    await assert.rejects(check(client, 10_000), {
      code: grpc.status.UNAVAILABLE,
    });
    assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
  } finally {
    client.close();
  }
});
