// The dashboards and alerting rules as the cluster gets them (charts/monitoring-extras, read
// from its golden render): Grafana's sidecar finds every dashboard, each one queries the
// Prometheus data source that kube-prometheus-stack provisions, and the PrometheusRule is the
// very rules file that promtool checks and `make dev`'s Prometheus loads.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { root } from './rendered.ts';

const chart = `${root}k8s/charts/monitoring-extras`;

interface Rendered {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: unknown;
}
interface DataSource {
  type?: string;
  uid?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: {
    title: string;
    datasource?: DataSource;
    targets?: { expr?: string; datasource?: DataSource }[];
  }[];
}

const renderedObjects = async () =>
  parseAllDocuments(await readFile(`${root}test/k8s/golden/extras-monitoring.yaml.golden`, 'utf8'))
    .map((document) => document.toJS() as Rendered | null)
    .filter((object): object is Rendered => object !== null);

describe('dashboards and alerting rules', () => {
  test('every dashboard is a ConfigMap the Grafana sidecar picks up, as valid JSON', async () => {
    const files = (await readdir(`${chart}/dashboards`)).filter((file) => file.endsWith('.json'));
    assert.ok(
      files.length >= 5,
      'service overview, funnel, Kafka and outbox, Temporal, pool and cache',
    );
    const configMaps = (await renderedObjects()).filter((object) => object.kind === 'ConfigMap');
    const values = parse(
      await readFile(`${root}k8s/values/monitoring/prometheus.yaml`, 'utf8'),
    ) as { grafana: { sidecar: { dashboards: { label: string } } } };
    const label = values.grafana.sidecar.dashboards.label;
    for (const file of files) {
      const configMap = configMaps.find((object) => object.data?.[file] !== undefined);
      assert.ok(configMap, `${file} is in no rendered ConfigMap`);
      assert.equal(configMap.metadata.labels?.[label], '1', `${file}: not labelled ${label}`);
      JSON.parse(configMap.data?.[file] ?? '');
    }
  });

  test('every panel queries the Prometheus data source kube-prometheus-stack provisions', async () => {
    const values = parse(
      await readFile(`${root}k8s/values/monitoring/prometheus.yaml`, 'utf8'),
    ) as { grafana: { sidecar: { datasources: { uid: string } } } };
    const uid = values.grafana.sidecar.datasources.uid;
    const uids = new Set<string>();
    for (const file of await readdir(`${chart}/dashboards`)) {
      const dashboard = JSON.parse(
        await readFile(`${chart}/dashboards/${file}`, 'utf8'),
      ) as Dashboard;
      assert.ok(!uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} is taken`);
      uids.add(dashboard.uid);
      assert.ok(dashboard.panels.length > 0, `${file} has no panels`);
      for (const panel of dashboard.panels) {
        const where = `${file}, panel "${panel.title}"`;
        assert.deepEqual(panel.datasource, { type: 'prometheus', uid }, where);
        assert.ok(panel.targets?.length, `${where} has no query`);
        for (const target of panel.targets) {
          assert.deepEqual(target.datasource, { type: 'prometheus', uid }, where);
          assert.ok(target.expr?.trim(), `${where} has an empty query`);
        }
      }
    }
  });

  test('the PrometheusRule carries the rules file unchanged, for the release that loads it', async () => {
    const rule = (await renderedObjects()).find((object) => object.kind === 'PrometheusRule');
    assert.ok(rule, 'no PrometheusRule rendered');
    assert.deepEqual(
      rule.spec,
      parse(await readFile(`${chart}/rules/everything.rules.yaml`, 'utf8')),
    );
    const helmfile = await readFile(`${root}k8s/helmfile-monitoring.yaml.gotmpl`, 'utf8');
    assert.match(helmfile, new RegExp(`- name: ${rule.metadata.labels?.release ?? 'none'}\\n`));
  });
});
