// `make secrets` (scripts/k8s/secrets.sh) against a fake kubectl that keeps Secrets in a folder:
// every secret the charts reference is created, a second run keeps the values, ROTATE=1 changes
// them, given values are used, and no value ever reaches the output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { fakeKubectl, type FakeKubectl } from './fake-kubectl.ts';
import { root } from './rendered.ts';

const run = promisify(execFile);

let kube: FakeKubectl;
let dir = '';
before(async () => {
  kube = await fakeKubectl('everything-secrets-');
  dir = kube.dir;
});
after(() => kube.remove());

async function secrets(env: Record<string, string> = {}) {
  const { stdout, stderr } = await run('bash', ['scripts/k8s/secrets.sh', '--non-interactive'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...kube.env, ...env },
  });
  return stdout + stderr;
}

const read = (namespace: string, name: string, key: string) => kube.read(namespace, name, key);

async function allValues(): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const namespace of ['infra', 'staging', 'prod', 'monitoring'])
    for (const name of await readdir(join(dir, namespace)))
      for (const key of await readdir(join(dir, namespace, name)))
        values.set(`${namespace}/${name}/${key}`, await read(namespace, name, key));
  return values;
}

test('make secrets: creates every secret the releases read, idempotently, printing none', async () => {
  const output = await secrets({ BOOTSTRAP_ADMIN_EMAIL: 'owner@example.org' });
  const first = await allValues();
  for (const expected of [
    'infra/postgres-credentials/postgres-password',
    'infra/temporal-credentials/password',
    'infra/database-users/order-staging',
    'infra/database-users/customer-prod',
    'staging/order-db-credentials/password',
    'prod/customer-db-credentials/password',
    'staging/jwt-signing-key/key',
    'prod/bootstrap-admin/email',
    'prod/bootstrap-admin/password',
    'monitoring/grafana-admin/admin-password',
    'staging/vapid-keys/public-key',
    'prod/vapid-keys/private-key',
  ])
    assert.ok(first.get(expected), `${expected} is set`);
  // The Web Push key pair is a pair: its public key is the private key's point.
  for (const env of ['staging', 'prod']) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(first.get(`${env}/vapid-keys/private-key`) ?? '', 'base64url'));
    assert.equal(ecdh.getPublicKey('base64url'), first.get(`${env}/vapid-keys/public-key`));
  }
  // The infra release creates users with the same passwords the apps use.
  assert.equal(
    first.get('infra/database-users/order-staging'),
    first.get('staging/order-db-credentials/password'),
  );
  assert.equal(
    first.get('infra/database-users/customer-prod'),
    first.get('prod/customer-db-credentials/password'),
  );
  assert.notEqual(
    first.get('staging/order-db-credentials/password'),
    first.get('prod/order-db-credentials/password'),
  );
  assert.equal(first.get('staging/bootstrap-admin/email'), 'owner@example.org');

  const calls = await readFile(join(dir, 'calls.log'), 'utf8');
  for (const [name, value] of first) {
    if (name.endsWith('/email') || name.endsWith('/admin-user')) continue;
    assert.ok(value.length >= 16, `${name} is long enough`);
    assert.ok(!output.includes(value), `${name} was printed`);
    assert.ok(!calls.includes(value), `${name} was on a kubectl command line`);
  }

  await secrets();
  assert.deepEqual(await allValues(), first, 'a second run keeps every value');

  await secrets({ POSTGRES_PASSWORD: 'given-password-1234567890' });
  assert.equal(
    await read('infra', 'postgres-credentials', 'postgres-password'),
    'given-password-1234567890',
  );

  await secrets({ ROTATE: '1' });
  const rotated = await allValues();
  assert.notEqual(
    rotated.get('staging/jwt-signing-key/key'),
    first.get('staging/jwt-signing-key/key'),
  );
  assert.equal(
    rotated.get('infra/database-users/order-prod'),
    rotated.get('prod/order-db-credentials/password'),
  );
});
