// The first install of both environments on a real Kubernetes (make cluster-up): hooks before
// Deployments, every pod Ready without restarts, the order journey through each environment's
// node port, isolation between the environments, and NetworkPolicies as kube-router enforces them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  admin,
  Api,
  environments,
  eventually,
  exec,
  kubectl,
  kubectlJson,
  pods,
  type Environment,
} from './support.ts';

const both = Object.keys(environments) as Environment[];

describe('first install', () => {
  for (const environment of both) {
    const namespace = environments[environment].namespace;

    test(`${environment}: the migration Jobs finished before their Deployments' first pods started`, async (t) => {
      for (const app of ['order', 'customer']) {
        const job = await kubectlJson<{ status: { succeeded?: number; completionTime?: string } }>([
          'get',
          'job',
          `${app}-migration`,
          '-n',
          namespace,
        ]);
        assert.equal(job.status.succeeded, 1, `${app}-migration succeeded`);
        assert.ok(job.status.completionTime);
        // Helm keeps one Secret per revision: with more than one, the Job is a later upgrade's.
        const revisions = await kubectlJson<{ items: unknown[] }>([
          'get',
          'secrets',
          '-n',
          namespace,
          '-l',
          `owner=helm,name=${app}`,
        ]);
        if (revisions.items.length > 1) {
          t.skip(`${namespace}/${app} was upgraded since its first install`);
          continue;
        }
        const replicaSets = await kubectlJson<{
          items: { metadata: { creationTimestamp: string } }[];
        }>(['get', 'replicasets', '-n', namespace, '-l', `app=${app}`]);
        const first = Math.min(
          ...replicaSets.items.map((item) => Date.parse(item.metadata.creationTimestamp)),
        );
        assert.ok(Number.isFinite(first), `${app} has a ReplicaSet`);
        // Timestamps have a resolution of one second.
        assert.ok(
          Date.parse(job.status.completionTime) <= first + 999,
          `${app}-migration completed at ${job.status.completionTime}, before the Deployment's first ReplicaSet`,
        );
      }
    });

    test(`${environment}: every pod is Ready, never restarted and never OOM-killed`, async () => {
      const all = await pods(namespace, 'app in (server,order,customer)');
      assert.equal(
        all.length,
        environment === 'prod' ? 6 : 3,
        all.map((pod) => pod.metadata.name).join(' '),
      );
      for (const pod of all) {
        const ready = pod.status.conditions?.find((condition) => condition.type === 'Ready');
        assert.equal(ready?.status, 'True', `${pod.metadata.name} is Ready`);
        for (const container of pod.status.containerStatuses ?? []) {
          assert.equal(container.restartCount, 0, `${pod.metadata.name} never restarted`);
          assert.notEqual(
            container.lastState?.terminated?.reason,
            'OOMKilled',
            `${pod.metadata.name} never OOM-killed`,
          );
        }
      }
    });
  }
});

/** The bootstrap admin does the barista's part (an admin can do all a barista can). */
async function baristaToken(api: Api): Promise<string> {
  return api.login(admin.email, admin.password);
}

describe('the journey on each environment', () => {
  for (const environment of both) {
    test(`${environment}: register, order, accept, ready, pick up; points arrive through Kafka; cancel refunds`, async () => {
      const api = new Api(environment);
      const barista = await baristaToken(api);
      const customer = await api.register();
      const latte = await api.menuItemId();

      const placed = await api.placeOrder(customer.token, latte);
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      for (const [action, token, status] of [
        ['accept', barista, 'accepted'],
        ['ready', barista, 'ready'],
        ['pickup', customer.token, 'completed'],
      ] as const) {
        const response = await api.call<{ status: string }>(
          'POST',
          `/v1/orders/${placed.body.id}/${action}`,
          {
            token,
            headers: { 'idempotency-key': randomUUID() },
          },
        );
        assert.equal(response.status, 200, `${action}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.status, status);
      }
      await eventually(
        'loyalty points arrive through Kafka',
        async () =>
          (await api.profile(customer.token)).loyaltyPoints ===
          Math.floor(placed.body.totalCents / 100),
        60_000,
      );

      const second = await api.placeOrder(customer.token, latte);
      assert.equal(second.status, 201);
      await eventually(
        'the tab is charged',
        async () =>
          (await api.profile(customer.token)).tabBalanceCents === placed.body.totalCents * 2,
        30_000,
      );
      const cancelled = await api.call<{ status: string }>(
        'POST',
        `/v1/orders/${second.body.id}/cancel`,
        {
          token: customer.token,
          body: { reason: 'changed my mind' },
        },
      );
      assert.equal(cancelled.body.status, 'cancelled');
      await eventually(
        'the cancelled order is refunded',
        async () => (await api.profile(customer.token)).tabBalanceCents === placed.body.totalCents,
        30_000,
      );
    });
  }
});

describe('isolation between staging and prod', () => {
  test('the same e-mail registers in both; an order of staging is not found in prod', async () => {
    const email = `twin-${randomUUID()}@example.com`;
    const staging = new Api('staging');
    const prod = new Api('prod');
    const inStaging = await staging.register(email);
    const inProd = await prod.register(email);
    const order = await staging.placeOrder(inStaging.token, await staging.menuItemId());
    assert.equal(order.status, 201);
    const lookup = await prod.call('GET', `/v1/orders/${order.body.id}`, { token: inProd.token });
    assert.equal(lookup.status, 404);
    const own = await staging.call('GET', `/v1/orders/${order.body.id}`, {
      token: inStaging.token,
    });
    assert.equal(own.status, 200);
  });

  test('Kafka topics, Valkey keys and Temporal namespaces differ', async () => {
    const config = async (environment: Environment, app: string) =>
      (
        await kubectlJson<{ data: Record<string, string> }>([
          'get',
          'configmap',
          app,
          '-n',
          environments[environment].namespace,
        ])
      ).data;
    for (const key of ['ORDER_EVENTS_TOPIC', 'VALKEY_KEY_PREFIX', 'TEMPORAL_NAMESPACE'] as const) {
      const values = await Promise.all(
        both.map(async (environment) => (await config(environment, 'order'))[key]),
      );
      assert.ok(
        values[0] && values[1] && values[0] !== values[1],
        `${key}: ${values.join(' vs ')}`,
      );
    }
    // What the servers hold, not only what the charts say: keys of both prefixes in Valkey,
    // one workflow per order in each Temporal namespace, each topic with its own messages.
    const valkey = (
      await kubectl([
        'get',
        'pods',
        '-n',
        'infra',
        '-l',
        'app.kubernetes.io/name=valkey',
        '-o',
        'name',
      ])
    ).trim();
    for (const prefix of ['staging:', 'prod:']) {
      const keys = await exec('infra', valkey, ['redis-cli', '--scan', '--pattern', `${prefix}*`]);
      assert.ok(
        keys.output.trim().split('\n').filter(Boolean).length > 0,
        `Valkey holds keys under ${prefix}`,
      );
    }
    for (const environment of both) {
      const namespace = (await config(environment, 'order')).TEMPORAL_NAMESPACE ?? '';
      const listed = await exec('infra', 'deploy/temporal', [
        'temporal',
        'workflow',
        'count',
        '--namespace',
        namespace,
      ]);
      assert.match(
        listed.output,
        /Total: [1-9]/,
        `Temporal namespace ${namespace} holds this environment's orders`,
      );
    }
    const kafka = await exec(
      'infra',
      'kafka-0',
      [
        'sh',
        '-c',
        'java -cp "/opt/kafka/libs/*" org.apache.kafka.tools.GetOffsetShell --bootstrap-server 127.0.0.1:9092 --topic-partitions "staging.orders.v1,prod.orders.v1"',
      ],
      90_000,
    );
    for (const topic of ['staging.orders.v1', 'prod.orders.v1']) {
      const total = kafka.output
        .split('\n')
        .filter((line) => line.startsWith(`${topic}:`))
        .reduce((sum, line) => sum + Number(line.split(':')[2]), 0);
      assert.ok(total > 0, `${topic} carries its environment's events: ${kafka.output}`);
    }
  });
});

describe('NetworkPolicies, enforced by kube-router', () => {
  // `probe` ships in every app image: grpc.health.v1 against a target, exit 0 when SERVING.
  const probe = (namespace: string, target: string, address: string) =>
    exec(namespace, target, ['probe', address], 30_000);
  const orderOf = (namespace: string) => `grpc://order.${namespace}.svc.cluster.local:50051`;
  const customerOf = (namespace: string) => `grpc://customer.${namespace}.svc.cluster.local:50051`;

  test('the server reaches order and customer', async () => {
    for (const namespace of ['staging', 'prod']) {
      assert.equal((await probe(namespace, 'deploy/server', orderOf(namespace))).code, 0);
      assert.equal((await probe(namespace, 'deploy/server', customerOf(namespace))).code, 0);
    }
  });

  test('staging cannot reach prod, nor prod staging', async () => {
    assert.notEqual((await probe('staging', 'deploy/server', orderOf('prod'))).code, 0);
    assert.notEqual((await probe('staging', 'deploy/server', customerOf('prod'))).code, 0);
    assert.notEqual((await probe('prod', 'deploy/server', orderOf('staging'))).code, 0);
  });

  test('a pod in another namespace, or one without the right labels, is refused by order and customer', async () => {
    const image = (
      await kubectl([
        'get',
        'deploy',
        'server',
        '-n',
        'staging',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ])
    ).trim();
    const outsider = async (namespace: string, name: string, labels: string) => {
      await kubectl(['delete', 'pod', name, '-n', namespace, '--ignore-not-found', '--wait=true']);
      await kubectl([
        'run',
        name,
        '-n',
        namespace,
        `--image=${image}`,
        '--image-pull-policy=Never',
        `--labels=${labels}`,
        '--restart=Never',
        '--command',
        '--',
        'sleep',
        '300',
      ]);
      await kubectl([
        'wait',
        '--for=condition=Ready',
        `pod/${name}`,
        '-n',
        namespace,
        '--timeout=120s',
      ]);
      return name;
    };
    try {
      await kubectl(['create', 'namespace', 'intruders']).catch(() => '');
      const elsewhere = await outsider('intruders', 'elsewhere', 'app=server');
      const unlabelled = await outsider('staging', 'unlabelled', 'purpose=test');
      for (const [namespace, pod] of [
        ['intruders', elsewhere],
        ['staging', unlabelled],
      ] as const) {
        assert.notEqual(
          (await probe(namespace, pod, orderOf('staging'))).code,
          0,
          `${namespace}/${pod} → order refused`,
        );
        assert.notEqual(
          (await probe(namespace, pod, customerOf('staging'))).code,
          0,
          `${namespace}/${pod} → customer refused`,
        );
      }
      // The refusal is the policy's, not a broken network: the same pod with the server's
      // labels in staging gets through.
      const labelled = await outsider('staging', 'labelled', 'app=server');
      await eventually(
        'a pod labelled app=server reaches order',
        async () => (await probe('staging', labelled, orderOf('staging'))).code === 0,
        30_000,
      );
    } finally {
      await kubectl(['delete', 'namespace', 'intruders', '--wait=false']).catch(() => '');
      await kubectl([
        'delete',
        'pod',
        'unlabelled',
        'labelled',
        '-n',
        'staging',
        '--ignore-not-found',
        '--wait=false',
      ]).catch(() => '');
    }
  });

  test('DNS works from every app pod', async () => {
    for (const namespace of ['staging', 'prod']) {
      for (const pod of await pods(namespace, 'app in (server,order,customer)')) {
        const lookup = await exec(namespace, pod.metadata.name, [
          'node',
          '-e',
          "require('node:dns').promises.lookup('kubernetes.default.svc.cluster.local').then((a) => console.log(a.address))",
        ]);
        assert.equal(lookup.code, 0, `${namespace}/${pod.metadata.name}: ${lookup.output}`);
        assert.match(lookup.output, /^10\.96\.0\.1\s*$/);
      }
    }
  });
});
