// The rendered staging manifests, run for real: the databases that infra-extras provisions,
// each migration Job's command, then each service with exactly its Deployment's environment,
// cluster DNS names mapped to the test stack. Ready means what the readiness probe asks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkHealth } from '@everything/grpc';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { stack } from '@everything/test-support';
import { eventually, ServiceProcess } from '../e2e/support/processes.ts';
import {
  containerEnv,
  find,
  golden,
  onlyContainer,
  rendered,
  root,
  type Container,
  type Value,
} from './rendered.ts';

const run = promisify(execFile);
const objects = rendered('staging');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`make test\``);
  return value;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Secrets of `make secrets`, as the test stack knows them. */
/** A P-256 pair, as scripts/vapid-keys.sh makes for the vapid-keys Secret (Web Push). */
const vapid = createECDH('prime256v1');
vapid.generateKeys();
const vapidPrivateKey = vapid.getPrivateKey();

const secrets: Record<string, () => string> = {
  'order-db-credentials/password': () => required('ORDER_DB_PASSWORD'),
  'customer-db-credentials/password': () => required('CUSTOMER_DB_PASSWORD'),
  'jwt-signing-key/key': () => 'k8s-run-test-signing-key-of-at-least-32-characters',
  'bootstrap-admin/email': () => 'admin@k8s-run-test.example',
  'bootstrap-admin/password': () => 'k8s-run-test-admin-password',
  'vapid-keys/public-key': () => vapid.getPublicKey('base64url'),
  // 32 bytes whatever the key's leading zeros, as web-push requires.
  'vapid-keys/private-key': () =>
    Buffer.concat([Buffer.alloc(32 - vapidPrivateKey.length), vapidPrivateKey]).toString(
      'base64url',
    ),
};

/** Where the image keeps the order workflows, bundled at its build (docker/Dockerfile). */
const IMAGE_WORKFLOW_BUNDLE = '/app/workflow-bundle/order-workflows.js';
/** The same bundle, made here by the same command in `before`. */
let workflowBundle = '';

/** Where each in-cluster address lives on the test stack; anything unmapped fails the test. */
function clusterMap(ports: Record<string, number>): Map<string, string> {
  return new Map([
    [IMAGE_WORKFLOW_BUNDLE, workflowBundle],
    ['postgresql.infra.svc.cluster.local:5432', `127.0.0.1:${stack.pgPort}`],
    ['valkey.infra.svc.cluster.local:6379', `127.0.0.1:${required('VALKEY_PORT')}`],
    ['kafka.infra.svc.cluster.local:9092', `127.0.0.1:${required('KAFKA_PORT')}`],
    ['temporal.infra.svc.cluster.local:7233', `127.0.0.1:${required('TEMPORAL_PORT')}`],
    // No collector here: spans go to a closed port and are dropped (test/e2e/tracing checks them).
    ['otel-collector.monitoring.svc.cluster.local:4317', '127.0.0.1:9'],
    ...Object.entries(ports).map(
      ([name, port]) => [`${name}.staging.svc.cluster.local:50051`, `127.0.0.1:${port}`] as const,
    ),
  ]);
}

/**
 * The process environment a container gets in the cluster, moved to loopback: secrets resolved,
 * cluster addresses (as host:port, in URLs, or split into DB_HOST/DB_PORT) mapped, listening on
 * 127.0.0.1 and the given port instead of every interface.
 */
function localEnv(container: Container, map: Map<string, string>, listenPort?: number) {
  const env = new Map<string, string>();
  for (const [name, value] of containerEnv(objects, container)) env.set(name, resolve(value));
  const dbHost = env.get('DB_HOST');
  if (dbHost) {
    const target = map.get(`${dbHost}:${env.get('DB_PORT') ?? '5432'}`);
    if (!target) throw new Error(`no local mapping for ${dbHost}`);
    const [host, port] = target.split(':') as [string, string];
    env.set('DB_HOST', host);
    env.set('DB_PORT', port);
  }
  for (const [name, value] of env) {
    let mapped = value;
    for (const [from, to] of map) mapped = mapped.replaceAll(from, to);
    if (mapped.includes('.svc.cluster.local'))
      throw new Error(`${name}=${value}: no local mapping for this cluster address`);
    env.set(name, mapped);
  }
  for (const name of ['GRPC_HOST', 'HTTP_HOST', 'METRICS_HOST'])
    if (env.has(name)) env.set(name, '127.0.0.1');
  // Any free port: the services run side by side here, not one per pod.
  if (env.has('METRICS_PORT')) env.set('METRICS_PORT', '0');
  for (const name of ['GRPC_PORT', 'HTTP_PORT'])
    if (env.has(name) && listenPort) env.set(name, String(listenPort));
  return Object.fromEntries(env);
}

function resolve(value: Value): string {
  if ('value' in value) return value.value;
  const secret = secrets[`${value.secret}/${value.key}`];
  if (!secret) throw new Error(`no test value for secret ${value.secret}/${value.key}`);
  return secret();
}

/**
 * The environment's Temporal namespace, as the Temporal release creates it in the cluster
 * (values/infra/temporal.yaml); the test stack's dev server starts with only its own.
 */
async function ensureTemporalNamespace(namespace: string): Promise<void> {
  const connection = await Connection.connect({
    address: `127.0.0.1:${required('TEMPORAL_PORT')}`,
  });
  try {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
      .catch((error: unknown) => {
        if (!/already exists/i.test(String(error))) throw error;
      });
    // Usable once the frontend's namespace cache knows it.
    await eventually(
      `Temporal namespace ${namespace}`,
      () =>
        connection.workflowService
          .listWorkflowExecutions({ namespace, pageSize: 1 })
          .then(() => true)
          .catch(() => false),
      30_000,
    );
  } finally {
    await connection.close();
  }
}

describe('the rendered staging manifests, run against the test stack', () => {
  const ports: Record<string, number> = {};
  const started: ServiceProcess[] = [];

  before(async () => {
    for (const name of ['server', 'order', 'customer']) ports[name] = await freePort();
    workflowBundle = path.join(
      await mkdtemp(path.join(tmpdir(), 'k8s-run-')),
      'order-workflows.js',
    );
    await promisify(execFile)(process.execPath, [
      fileURLToPath(new URL('../../services/order/src/bundle-workflows.ts', import.meta.url)),
      workflowBundle,
    ]);
    const config = find(objects, 'ConfigMap', 'order').data ?? {};
    await ensureTemporalNamespace(config.TEMPORAL_NAMESPACE ?? 'staging');
  });

  after(async () => {
    await Promise.all(started.map((service) => service.stop()));
  });

  test("infra-extras' provisioning script creates the per-environment databases and users", async () => {
    const extras = golden('extras-infra');
    const script = find(extras, 'ConfigMap', 'provision-databases').data?.['provision.sh'];
    assert.ok(script);
    const job = onlyContainer(find(extras, 'Job', 'provision-databases'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      PGHOST: '127.0.0.1',
      PGPORT: String(stack.pgPort),
      PGPASSWORD: required('PG_SUPERUSER_PASSWORD'),
    };
    // Every environment's password as `make secrets` would have made it (here: the stack's).
    for (const entry of job.env ?? []) {
      if (entry.name.startsWith('ORDER_')) env[entry.name] = required('ORDER_DB_PASSWORD');
      else if (entry.name.startsWith('CUSTOMER_'))
        env[entry.name] = required('CUSTOMER_DB_PASSWORD');
      else if (entry.name === 'TEMPORAL_PASSWORD') env[entry.name] = 'temporal-test';
    }
    // Twice: it must be idempotent (it runs after every sync of the infra release).
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run('sh', ['-c', script], { env, cwd: root });
      assert.match(stdout, /databases and users are in place/);
    }
  });

  for (const name of ['customer', 'order']) {
    test(`${name}: the migration Job's command migrates`, async () => {
      const container = onlyContainer(find(objects, 'Job', `${name}-migration`));
      // The image runs the bundled services/<name>/dist/migrate.js; here its source stands in.
      assert.deepEqual(container.command, ['migrate']);
      const job = new ServiceProcess(
        name,
        localEnv(container, clusterMap(ports)),
        'migrate',
        container.args,
      );
      const code = await job.exited;
      assert.equal(code, 0, job.output);
      assert.match(job.output, /Applied|up to date/);
    });
  }

  for (const name of ['customer', 'order']) {
    test(`${name}: started with its Deployment's environment, it becomes ready`, async () => {
      const container = onlyContainer(find(objects, 'Deployment', name));
      const port = ports[name] ?? 0;
      const service = new ServiceProcess(name, localEnv(container, clusterMap(ports), port));
      started.push(service);
      // The readiness probe: grpc.health.v1 Check for the whole server ("").
      assert.deepEqual(container.readinessProbe?.grpc?.service, '');
      const probe = checkHealth(`127.0.0.1:${port}`);
      await eventually(
        `${name} SERVING (output: ${service.output.slice(-500)})`,
        async () => (await probe.status(1_000)) === 'SERVING',
        30_000,
      );
    });
  }

  test("server: started with its Deployment's environment, /readyz answers 200", async () => {
    const container = onlyContainer(find(objects, 'Deployment', 'server'));
    const port = ports.server ?? 0;
    const service = new ServiceProcess('server', localEnv(container, clusterMap(ports), port));
    started.push(service);
    const path = container.readinessProbe?.httpGet?.path;
    assert.equal(path, '/readyz');
    await eventually(
      `server ready (output: ${service.output.slice(-500)})`,
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}${path}`)).status === 200;
        } catch {
          return false;
        }
      },
      20_000,
    );
  });

  test("the helm test pods' probe command passes against the running services", async () => {
    for (const name of ['customer', 'order', 'server']) {
      const container = find(objects, 'Pod', `${name}-test-health`).spec?.containers?.[0];
      assert.deepEqual(container?.command, ['probe']);
      const target = (container.args?.[0] ?? '').replace(
        `${name}.staging.svc.cluster.local:${name === 'server' ? 8080 : 50051}`,
        `127.0.0.1:${ports[name] ?? 0}`,
      );
      // The image's `probe` is `node scripts/k8s/probe.ts`.
      const { stdout } = await run(process.execPath, ['scripts/k8s/probe.ts', target], {
        cwd: root,
      });
      assert.match(stdout, /SERVING|HTTP 200/);
    }
  });
});
