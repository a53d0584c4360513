// What the rendered charts promise, checked without a cluster: the environment contract with
// each service's config, the migration hook, isolation of staging from prod, the connection
// budget, hardening, names the README's commands rely on, and the server's Ingress.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  withK8sTools,
  type K8sObject,
  type Value,
} from './rendered.ts';

interface IngressSpec {
  ingressClassName: string;
  tls?: { secretName: string; hosts: string[] }[];
  rules: unknown[];
}
interface MiddlewareSpec {
  headers?: { stsSeconds?: number };
  redirectScheme?: unknown;
}
interface PolicySpec {
  ingress: { ports?: unknown[]; from: Record<string, unknown>[] }[];
}

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
  'vapid-keys/public-key',
  'vapid-keys/private-key',
]);

/** Read by Node and glibc rather than the service: the chart derives them from the memory limit. */
const runtimeVariables = new Set(['NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
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

      if (name === 'customer')
        test('customer: password hashes are mapped and returned to the system when freed', () => {
          const container = onlyContainer(find(objects, 'Deployment', name));
          const threshold = container.env?.find(
            (entry) => entry.name === 'MALLOC_MMAP_THRESHOLD_',
          )?.value;
          // scrypt's 16 MiB buffer is far above it, so it is never kept in glibc's heap.
          assert.equal(threshold, String(128 * 1024));
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

    test("server: an Ingress for the environment's host, HTTPS only through Traefik", () => {
      const host = { staging: 'staging.coffee.home', prod: 'coffee.home' }[environment];
      const rulesOf = (ingress: K8sObject) => (ingress.spec as unknown as IngressSpec).rules;
      const https = find(objects, 'Ingress', 'server');
      const spec = https.spec as unknown as IngressSpec;
      assert.equal(spec.ingressClassName, 'traefik');
      assert.deepEqual(spec.tls, [{ secretName: 'server-tls', hosts: [host] }]);
      const toServer = [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'server', port: { name: 'http' } } },
              },
            ],
          },
        },
      ];
      assert.deepEqual(rulesOf(https), toServer);
      const annotations = https.metadata.annotations ?? {};
      assert.equal(annotations['traefik.ingress.kubernetes.io/router.entrypoints'], 'websecure');
      assert.equal(annotations['traefik.ingress.kubernetes.io/router.tls'], 'true');
      assert.equal(
        annotations['traefik.ingress.kubernetes.io/router.middlewares'],
        `${environment}-server-hsts@kubernetescrd`,
      );
      const hsts = find(objects, 'Middleware', 'server-hsts').spec as unknown as MiddlewareSpec;
      assert.ok((hsts.headers?.stsSeconds ?? 0) >= 15_552_000, 'HSTS for at least 180 days');

      // Plain HTTP only redirects.
      const http = find(objects, 'Ingress', 'server-http');
      assert.deepEqual(rulesOf(http), toServer);
      assert.equal((http.spec as unknown as IngressSpec).tls, undefined);
      const httpAnnotations = http.metadata.annotations ?? {};
      assert.equal(httpAnnotations['traefik.ingress.kubernetes.io/router.entrypoints'], 'web');
      assert.equal(
        httpAnnotations['traefik.ingress.kubernetes.io/router.middlewares'],
        `${environment}-server-https-redirect@kubernetescrd`,
      );
      const redirect = find(objects, 'Middleware', 'server-https-redirect')
        .spec as unknown as MiddlewareSpec;
      assert.deepEqual(redirect.redirectScheme, { scheme: 'https', permanent: true });

      // Only the server is reachable from outside.
      const ingresses = objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name);
      assert.deepEqual(ingresses.sort(), ['server', 'server-http']);
    });

    test('server: the client address is the one Traefik adds, one trusted proxy hop', () => {
      assert.equal(find(objects, 'ConfigMap', 'server').data?.TRUST_PROXY_HOPS, '1');
    });

    test("NetworkPolicies: the ingress controller's namespace reaches the server's HTTP port, and nothing else", () => {
      const controller = {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
      };
      for (const { name } of services) {
        const rules = (find(objects, 'NetworkPolicy', name).spec as unknown as PolicySpec).ingress;
        const admitting = rules.filter((rule) =>
          rule.from.some((peer) => JSON.stringify(peer) === JSON.stringify(controller)),
        );
        if (name === 'server') {
          assert.equal(admitting.length, 1);
          assert.deepEqual(admitting[0]?.ports, [{ port: 'http', protocol: 'TCP' }]);
        } else assert.deepEqual(admitting, [], `${name} admits the ingress controller`);
        const outsiders = rules
          .flatMap((rule) => rule.from)
          .filter((peer) => 'namespaceSelector' in peer)
          .map((peer) => JSON.stringify(peer.namespaceSelector));
        const allowed = [
          JSON.stringify(controller.namespaceSelector),
          JSON.stringify({ matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }),
        ];
        assert.deepEqual(
          outsiders.filter((peer) => !allowed.includes(peer)),
          [],
          `${name}: other namespaces`,
        );
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

describe("the server's Ingress, rendered by helm", () => {
  const render = (environment: string, ...args: string[]) =>
    withK8sTools(
      'helm',
      'template',
      'server',
      'charts/server',
      '--namespace',
      environment,
      '-f',
      'values/apps/server/common.yaml',
      '-f',
      `values/apps/server/${environment}.yaml`,
      '--set',
      'image.tag=ok',
      ...args,
    );

  test('validates strictly against the Kubernetes schemas, in both environments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'everything-ingress-'));
    try {
      for (const environment of environments) {
        const server = render(environment);
        assert.ok(server.ok, server.output);
        assert.match(server.stdout, /kind: Ingress/);
        const file = join(dir, `${environment}.yaml`);
        await writeFile(file, server.stdout);
        for (const version of ['1.33.0', '1.37.0']) {
          const validated = withK8sTools(
            'kubernetes-validate',
            '--strict',
            '--quiet',
            '--no-warn',
            '-k',
            version,
            file,
          );
          assert.ok(validated.ok, `${environment}, Kubernetes ${version}: ${validated.output}`);
        }
        // Strict means strict: an unknown field in the Ingress fails.
        await writeFile(file, server.stdout.replace('ingressClassName:', 'ingressClass:'));
        assert.equal(
          withK8sTools('kubernetes-validate', '--strict', '--quiet', '-k', '1.33.0', file).ok,
          false,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const bad of [
    '192.168.1.20',
    'Coffee.home',
    'coffee.home:443',
    '*.coffee.home',
    'coffee_home',
  ]) {
    test(`the values schema rejects the host ${bad}`, () => {
      const result = render('staging', '--set-string', `ingress.hosts[0]=${bad}`);
      assert.equal(result.ok, false, `accepted ${bad}`);
      assert.match(result.output, /ingress\/hosts/);
    });
  }

  test('installs where Traefik has no CRDs: the HTTPS Ingress alone, naming no Middleware', () => {
    const server = render('prod');
    assert.ok(server.ok, server.output);
    assert.doesNotMatch(server.output, /kind: Middleware|router\.middlewares|name: server-http$/m);
    assert.match(server.output, /router\.entrypoints: websecure/);
  });

  test('asks cert-manager for the certificate when told to', () => {
    const server = render(
      'prod',
      '--set',
      'ingress.tls.certManager.enabled=true',
      '--set',
      'ingress.tls.certManager.issuerName=household-ca',
    );
    assert.ok(server.ok, server.output);
    assert.match(server.output, /cert-manager\.io\/cluster-issuer: household-ca/);
  });
});
