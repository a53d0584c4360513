// `make secrets` (scripts/k8s/secrets.sh) against a fake kubectl that keeps Secrets in a folder:
// every secret the charts reference is created, a second run keeps the values, ROTATE=1 changes
// them, given values are used, and no value ever reaches the output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { root } from './rendered.ts';

const run = promisify(execFile);

// Secrets live in $FAKE_KUBE/<namespace>/<name>/<key> (raw values). `create … --dry-run` prints
// the Secret's files as KEY=PATH lines, which `apply -f -` reads back.
const fakeKubectl = `#!/usr/bin/env bash
set -euo pipefail
store=$FAKE_KUBE
echo "$*" >>"$store/calls.log"
ns=default; args=()
while [ $# -gt 0 ]; do
  case $1 in -n) ns=$2; shift 2 ;; *) args+=("$1"); shift ;; esac
done
set -- "\${args[@]}"
case "$1 $2" in
  "get namespace") [ -d "$store/ns/$3" ] ;;
  "create namespace") mkdir -p "$store/ns/$3" ;;
  "get secret")
    key=$(sed -E 's/.*index \\.data "([^"]+)".*/\\1/' <<<"\${@: -1}")
    [ -f "$store/$ns/$3/$key" ] || { [ -d "$store/$ns/$3" ] && { printf '<no value>'; exit 0; }; echo "not found" >&2; exit 1; }
    base64 -w0 <"$store/$ns/$3/$key" ;;
  "create secret")
    name=$4; shift 4
    echo "secret $ns $name"
    for arg in "$@"; do case $arg in --from-file=*) echo "file \${arg#--from-file=}" ;; esac; done ;;
  "apply -f")
    read -r _ sns sname
    rm -rf "$store/$sns/$sname"; mkdir -p "$store/$sns/$sname"
    while read -r _ pair; do cp "\${pair#*=}" "$store/$sns/$sname/\${pair%%=*}"; done ;;
  "label secret") ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 3 ;;
esac
`;

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'everything-secrets-'));
  await writeFile(join(dir, 'kubectl'), fakeKubectl);
  await chmod(join(dir, 'kubectl'), 0o755);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function secrets(env: Record<string, string> = {}) {
  const { stdout, stderr } = await run('bash', ['scripts/k8s/secrets.sh', '--non-interactive'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', KUBECTL: join(dir, 'kubectl'), FAKE_KUBE: dir, ...env },
  });
  return stdout + stderr;
}

const read = (namespace: string, name: string, key: string) =>
  readFile(join(dir, namespace, name, key), 'utf8');

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
