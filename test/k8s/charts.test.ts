// What the rendered charts promise, checked without a cluster: the environment contract with
// each service's config, the migration hook, isolation of staging from prod, the connection
// budget, hardening and names the README's commands rely on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrateEnv } from '@everything/postgres';
import { customerConfigShape } from '../../services/customer/src/config.ts';
import { orderConfigShape } from '../../services/order/src/config.ts';
import { serverConfigShape } from '../../services/server/src/config.ts';
import {
  containerEnv,
  environments,
  find,
  onlyContainer,
  podSpec,
  rendered,
  type K8sObject,
  type Value,
} from './rendered.ts';

interface Schema {
  safeParse(input: unknown): { success: boolean };
}
type Shape = Record<string, Schema>;

const migrateShape: Shape = migrateEnv;

const services: { name: string; shape: Shape; migrates: boolean }[] = [
  { name: 'server', shape: serverConfigShape, migrates: false },
  { name: 'order', shape: orderConfigShape, migrates: true },
  { name: 'customer', shape: customerConfigShape, migrates: true },
];

/** The secrets `make secrets` creates in staging and prod (scripts/k8s/secrets.sh). */
const appSecrets = new Set([
  'order-db-credentials/password',
  'customer-db-credentials/password',
  'jwt-signing-key/key',
  'bootstrap-admin/email',
  'bootstrap-admin/password',
]);

/** Read by Node and glibc rather than the service: the chart derives them from the memory limit. */
const runtimeVariables = new Set(['NODE_OPTIONS', 'MALLOC_ARENA_MAX']);
const withoutRuntimeVariables = (environment: Map<string, Value>) =>
  new Map([...environment].filter(([name]) => !runtimeVariables.has(name)));

const toMiB = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(match, `${quantity}: a memory quantity in Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};

const required = (shape: Shape) =>
  Object.keys(shape).filter((name) => !shape[name]?.safeParse(undefined).success);

/** Every variable set is one the program reads, every required one is set, and values parse. */
function assertContract(what: string, shape: Shape, environment: Map<string, Value>) {
  const unknown = [...environment.keys()].filter((name) => !(name in shape));
  assert.deepEqual(unknown, [], `${what} sets variables its config does not read`);
  const missing = required(shape).filter((name) => !environment.has(name));
  assert.deepEqual(missing, [], `${what} misses required variables`);
  for (const [name, value] of environment) {
    if ('secret' in value) {
      assert.ok(
        appSecrets.has(`${value.secret}/${value.key}`),
        `${what}: unknown secret for ${name}`,
      );
      continue;
    }
    assert.ok(
      shape[name]?.safeParse(value.value).success,
      `${what}: ${name}=${value.value} is invalid`,
    );
  }
}

for (const environment of environments) {
  describe(`charts rendered for ${environment}`, () => {
    const objects = rendered(environment);

    for (const { name, shape, migrates } of services) {
      test(`${name}: the Deployment's environment is exactly what the service reads`, () => {
        const deployment = find(objects, 'Deployment', name);
        assertContract(
          `${name} (${environment})`,
          shape,
          withoutRuntimeVariables(containerEnv(objects, onlyContainer(deployment))),
        );
      });

      test(`${name}: Node's heap follows the memory limit and leaves room below it`, () => {
        const container = onlyContainer(find(objects, 'Deployment', name));
        const limitMiB = toMiB(container.resources?.limits?.memory ?? '');
        const options = container.env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value;
        const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(options ?? '')?.[1]);
        assert.ok(heapMiB > 0, `${name}: NODE_OPTIONS sets --max-old-space-size`);
        assert.ok(
          heapMiB <= limitMiB * 0.75,
          `${name}: a heap of ${heapMiB} MiB leaves too little of ${limitMiB} MiB to the rest`,
        );
      });

      test(`${name}: names, labels and selectors that the README's commands use`, () => {
        const deployment = find(objects, 'Deployment', name);
        const service = find(objects, 'Service', name);
        const labels = deployment.spec?.template?.metadata.labels ?? {};
        assert.equal(labels.app, name);
        assert.equal(labels['app.kubernetes.io/name'], name);
        assert.equal(deployment.metadata.labels?.app, name);
        for (const [key, value] of Object.entries(
          (service.spec as { selector: Record<string, string> }).selector,
        ))
          assert.equal(labels[key], value, `Service ${name} selects ${key}=${value}`);
        assert.match(onlyContainer(deployment).image, new RegExp(`/${name}:[A-Za-z0-9_.-]+$`));
      });

      test(`${name}: hardened pods with a memory request within their limit`, () => {
        for (const object of objects.filter(
          (o) => o.spec?.template && o.metadata.labels?.['app.kubernetes.io/name'] === name,
        )) {
          const spec = podSpec(object);
          assert.equal(spec.securityContext?.runAsNonRoot, true);
          assert.equal(
            spec.serviceAccountName,
            undefined,
            'hooks cannot use a ServiceAccount of the chart',
          );
          for (const container of spec.containers) {
            assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            assert.deepEqual(container.securityContext.capabilities?.drop, ['ALL']);
            const requests = container.resources?.requests ?? {};
            const limits = container.resources?.limits ?? {};
            assert.ok(requests.memory && requests.cpu, 'memory and CPU requests');
            assert.ok(limits.memory, 'a memory limit');
            assert.ok(toMiB(requests.memory) <= toMiB(limits.memory), 'request within the limit');
          }
        }
      });

      if (migrates) {
        test(`${name}: the migration Job is a pre-install hook that needs nothing of the release`, () => {
          const job = find(objects, 'Job', `${name}-migration`);
          const annotations = job.metadata.annotations ?? {};
          assert.equal(annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
          assert.equal(annotations['helm.sh/hook-delete-policy'], 'before-hook-creation');
          assert.equal(job.spec?.backoffLimit, 3);
          const container = onlyContainer(job);
          assert.deepEqual(container.command, ['migrate']);
          assert.deepEqual(container.args, ['-y']);
          // Hooks run before the release's ConfigMap exists on a first install.
          assert.equal(container.envFrom, undefined, 'the Job must not read the chart ConfigMap');
          assertContract(
            `${name} migration (${environment})`,
            migrateShape,
            containerEnv(objects, container),
          );
          // Not selected by the Service: `-l app=<name>` lists only the app's pods.
          assert.equal(job.spec.template?.metadata.labels?.app, undefined);
          // Its NetworkPolicy is a hook too, created before the Job.
          const policy = find(objects, 'NetworkPolicy', `${name}-migration`);
          assert.equal(policy.metadata.annotations?.['helm.sh/hook-weight'], '-10');
        });
      }
    }

    test('the environment settings the seed asks for', () => {
      for (const { name } of services) {
        const deployment = find(objects, 'Deployment', name);
        const config = find(objects, 'ConfigMap', name).data ?? {};
        if (environment === 'staging') {
          assert.equal(deployment.spec?.replicas, 1);
          assert.equal(config.LOG_LEVEL, 'debug');
        } else {
          assert.ok((deployment.spec?.replicas ?? 0) >= 2, `${name}: several replicas in prod`);
          assert.equal(config.LOG_LEVEL, 'info');
          assert.ok(podSpec(deployment).topologySpreadConstraints?.length, `${name}: spread`);
          find(objects, 'PodDisruptionBudget', name);
        }
      }
      const server = find(objects, 'ConfigMap', 'server').data ?? {};
      assert.equal(server.ORDER_SERVICE_ADDRESS, `order.${environment}.svc.cluster.local:50051`);
      assert.equal(
        server.CUSTOMER_SERVICE_ADDRESS,
        `customer.${environment}.svc.cluster.local:50051`,
      );
      assert.equal(
        find(objects, 'ConfigMap', 'order').data?.DB_HOST,
        'postgresql.infra.svc.cluster.local',
      );
    });

    test('connection budget: each service at most 10 PostgreSQL connections, rollouts included', () => {
      for (const name of ['order', 'customer']) {
        const deployment = find(objects, 'Deployment', name);
        const pool = Number(find(objects, 'ConfigMap', name).data?.DB_POOL_SIZE);
        const surge = Number(deployment.spec?.strategy?.rollingUpdate?.maxSurge ?? 0);
        const pods = (deployment.spec?.replicas ?? 1) + surge;
        assert.ok(pool * pods <= 10, `${name} (${environment}): ${pods} pods x ${pool} > 10`);
      }
    });

    test('every helm test pod probes its own service', () => {
      for (const { name } of services) {
        const pod = find(objects, 'Pod', `${name}-test-health`);
        assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
        const container = pod.spec?.containers?.[0];
        assert.deepEqual(container?.command, ['probe']);
        assert.match(container.args?.[0] ?? '', new RegExp(`//${name}\\.${environment}\\.svc`));
      }
    });
  });
}

test('staging and prod never share a database, a user, a key prefix or a namespace', () => {
  const [staging, prod] = environments.map((environment) => rendered(environment));
  assert.ok(staging && prod);
  // Any variable that names a place of its own (database, user, prefix, namespace, topic, group).
  const isolating = /^(DB_NAME|DB_USER)$|PREFIX|NAMESPACE|TOPIC|GROUP/;
  for (const { name } of services) {
    const a = find(staging, 'ConfigMap', name).data ?? {};
    const b = find(prod, 'ConfigMap', name).data ?? {};
    for (const key of Object.keys(a).filter((key) => isolating.test(key)))
      assert.notEqual(a[key], b[key], `${name}: ${key} is the same in staging and prod`);
  }
  const namespaces = (objects: K8sObject[]) => new Set(objects.map((o) => o.metadata.namespace));
  assert.deepEqual([...namespaces(staging)], ['staging']);
  assert.deepEqual([...namespaces(prod)], ['prod']);
});
