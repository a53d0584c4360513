// A pod killed mid-order (kubectl delete --grace-period=0 --force): first the order service's,
// then the customer service's. Kubernetes starts another, and the order still completes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { admin, Api, eventually, kubectl, kubectlJson, retrying, type Order } from './support.ts';

const api = new Api('staging');

async function killPodsOf(app: string) {
  const before = (await kubectl(['get', 'pods', '-n', 'staging', '-l', `app=${app}`, '-o', 'name']))
    .trim()
    .split('\n');
  await kubectl([
    'delete',
    'pod',
    '-n',
    'staging',
    '-l',
    `app=${app}`,
    '--grace-period=0',
    '--force',
  ]);
  await eventually(
    `a new ${app} pod is ready`,
    async () => {
      const now = await kubectlJson<{
        items: {
          metadata: { name: string };
          status: { conditions?: { type: string; status: string }[] };
        }[];
      }>(['get', 'pods', '-n', 'staging', '-l', `app=${app}`]);
      return now.items.some(
        (pod) =>
          !before.includes(`pod/${pod.metadata.name}`) &&
          pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    },
    180_000,
  );
}

describe('a pod killed mid-order', () => {
  // The next suite finds staging as this one found it: serving.
  after(() => api.ready());
  for (const app of ['order', 'customer']) {
    test(`the ${app} service's pod is force-deleted; the order still completes`, async () => {
      await api.ready();
      const barista = await api.login(admin.email, admin.password);
      const customer = await api.register();
      const placed = await api.placeOrder(customer.token, await api.menuItemId());
      assert.equal(placed.status, 201);
      const accepted = await api.call<Order>('POST', `/v1/orders/${placed.body.id}/accept`, {
        token: barista,
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(accepted.status, 200);

      await killPodsOf(app);

      for (const [action, token] of [
        ['ready', barista],
        ['pickup', customer.token],
      ] as const) {
        const key = randomUUID();
        const response = await retrying(
          `${action} after the kill`,
          () =>
            api.call<Order>('POST', `/v1/orders/${placed.body.id}/${action}`, {
              token,
              headers: { 'idempotency-key': key },
            }),
          { timeoutMs: 180_000 },
        );
        assert.equal(response.status, 200, `${action}: ${JSON.stringify(response.body)}`);
      }
      await eventually(
        'the completed order earns its points',
        async () =>
          (await api.profile(customer.token)).loyaltyPoints ===
          Math.floor(placed.body.totalCents / 100),
        120_000,
      );
      const order = await api.call<Order>('GET', `/v1/orders/${placed.body.id}`, {
        token: customer.token,
      });
      assert.equal(order.body.status, 'completed');
    });
  }
});
