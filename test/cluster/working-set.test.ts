// Memory as the kubelet measures it (its stats summary: each container's working set), after the
// journeys, the pod kills and the upgrade of the files before this one, against each container's
// request and limit. No app container may have been OOM-killed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, kubectl, pods } from './support.ts';

interface Summary {
  pods: {
    podRef: { name: string; namespace: string };
    containers: { name: string; memory?: { workingSetBytes?: number } }[];
  }[];
}

const MiB = 1024 * 1024;

function toMiB(quantity: string | undefined): number | undefined {
  if (!quantity) return undefined;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) return undefined;
  const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[match[2] ?? ''] ?? 1 / MiB;
  return Number(match[1]) * factor;
}

test("each app container's working set, against its request and limit", async () => {
  const node = (await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  const readSummary = async () =>
    JSON.parse(
      await kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`]),
    ) as Summary;
  // A pod started moments ago (the disruption-budget test evicts one) is in the kubelet's
  // summary only after its first stats collection, some seconds later; one on its way out is
  // not measured. Both are asked again on every look.
  const running = async () =>
    new Set(
      [
        ...(await pods('staging', 'app in (server,order,customer)')),
        ...(await pods('prod', 'app in (server,order,customer)')),
      ]
        .filter((pod) => pod.status.phase === 'Running' && !pod.metadata.deletionTimestamp)
        .map((pod) => pod.metadata.name),
    );
  let summary = await readSummary();
  let missing: string[] = [];
  await eventually(
    'the kubelet reports every running app pod',
    async () => {
      const names = await running();
      summary = await readSummary();
      const reported = new Set(
        summary.pods
          .filter((entry) =>
            entry.containers.some((container) => (container.memory?.workingSetBytes ?? 0) > 0),
          )
          .map((entry) => entry.podRef.name),
      );
      missing = [...names].filter((name) => !reported.has(name));
      return missing.length === 0;
    },
    90_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; not reported: ${missing.join(', ')}`);
  });
  const rows: string[] = [];
  for (const namespace of ['staging', 'prod']) {
    for (const pod of await pods(namespace, 'app in (server,order,customer)')) {
      for (const container of pod.spec.containers) {
        const status = pod.status.containerStatuses?.find((entry) => entry.name === container.name);
        assert.notEqual(
          status?.lastState?.terminated?.reason,
          'OOMKilled',
          `${pod.metadata.name} was never OOM-killed`,
        );
        if (pod.status.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
        const stats = summary.pods
          .find(
            (entry) =>
              entry.podRef.name === pod.metadata.name && entry.podRef.namespace === namespace,
          )
          ?.containers.find((entry) => entry.name === container.name);
        const workingSet = (stats?.memory?.workingSetBytes ?? 0) / MiB;
        const request = toMiB(container.resources?.requests?.memory);
        const limit = toMiB(container.resources?.limits?.memory);
        rows.push(
          `${namespace}/${pod.metadata.name.padEnd(32)} ${workingSet.toFixed(0).padStart(5)} MiB  request ${String(request ?? '-').padStart(4)} Mi  limit ${String(limit ?? '-').padStart(4)} Mi`,
        );
        assert.ok(workingSet > 0, `the kubelet reports ${pod.metadata.name}`);
        if (limit) assert.ok(workingSet < limit, `${pod.metadata.name} is below its limit`);
      }
    }
  }
  console.log(`working set (kubelet stats summary):\n${rows.join('\n')}`);
});
