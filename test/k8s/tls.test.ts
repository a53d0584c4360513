// `make tls` (scripts/k8s/tls.sh) against a fake kubectl that keeps Secrets in a folder, and the
// real openssl: a CA and a certificate per environment for exactly its Ingress hosts, which
// verify against the CA written for the phones; a second run changes nothing; ROTATE=1 reissues
// the certificates under the same CA; no key ever reaches the output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { fakeKubectl, type FakeKubectl } from './fake-kubectl.ts';
import { root } from './rendered.ts';

const run = promisify(execFile);

let kube: FakeKubectl;
let dir = '';
before(async () => {
  kube = await fakeKubectl('everything-tls-');
  dir = kube.dir;
});
after(() => kube.remove());

const caFile = () => join(dir, 'phones', 'ca.crt');

async function makeTls(env: Record<string, string> = {}) {
  const { stdout, stderr } = await run('bash', ['scripts/k8s/tls.sh'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      ...kube.env,
      TLS_CA_CERT: caFile(),
      ...env,
    },
  });
  assert.doesNotMatch(stdout + stderr, /PRIVATE KEY|BEGIN/, 'no key or certificate printed');
  return stderr;
}

const secret = (namespace: string, name: string, key: string) => kube.read(namespace, name, key);

async function openssl(...args: string[]) {
  return (await run('openssl', args)).stdout;
}

test('make tls: a CA and, per environment, a certificate for its hosts that the CA verifies', async () => {
  await makeTls();
  const ca = await readFile(caFile(), 'utf8');
  assert.equal(ca, await secret('infra', 'everything-ca', 'tls.crt'));
  assert.match(
    await openssl('x509', '-in', caFile(), '-noout', '-ext', 'nameConstraints'),
    /DNS:coffee\.home/,
  );
  for (const [environment, host] of [
    ['staging', 'staging.coffee.home'],
    ['prod', 'coffee.home'],
  ] as const) {
    const certificate = join(dir, environment, 'server-tls', 'tls.crt');
    assert.match(await openssl('verify', '-CAfile', caFile(), certificate), /: OK/);
    const names = await openssl('x509', '-in', certificate, '-noout', '-ext', 'subjectAltName');
    assert.match(names, new RegExp(`DNS:${host.replaceAll('.', '\\.')}\\s*$`, 'm'));
    // The key belongs to the certificate.
    const publicOf = (args: string[]) => openssl(...args);
    assert.equal(
      await publicOf(['pkey', '-in', join(dir, environment, 'server-tls', 'tls.key'), '-pubout']),
      await publicOf(['x509', '-in', certificate, '-noout', '-pubkey']),
    );
  }
});

test('make tls again keeps the CA and the certificates; ROTATE=1 reissues them under the same CA', async () => {
  const before = await secret('prod', 'server-tls', 'tls.crt');
  const caKey = await secret('infra', 'everything-ca', 'tls.key');
  assert.match(await makeTls(), /keeping prod\/server-tls/);
  assert.equal(await secret('prod', 'server-tls', 'tls.crt'), before);
  await makeTls({ ROTATE: '1' });
  assert.notEqual(await secret('prod', 'server-tls', 'tls.crt'), before);
  assert.equal(await secret('infra', 'everything-ca', 'tls.key'), caKey);
});

test('make tls reissues a certificate whose hosts no longer match the values', async () => {
  const before = await secret('staging', 'server-tls', 'tls.crt');
  await makeTls({ TLS_HOSTS_STAGING: 'staging.coffee.home test.coffee.home' });
  const names = await openssl(
    'x509',
    '-in',
    join(dir, 'staging', 'server-tls', 'tls.crt'),
    '-noout',
    '-ext',
    'subjectAltName',
  );
  assert.notEqual(await secret('staging', 'server-tls', 'tls.crt'), before);
  assert.match(names, /DNS:staging\.coffee\.home, DNS:test\.coffee\.home/);
});

test('make tls refuses a host outside the CA domain', async () => {
  await assert.rejects(makeTls({ TLS_HOSTS_STAGING: 'coffee.example' }), /TLS_CA_DOMAIN/);
});
