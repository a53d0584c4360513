// Our values for the upstream charts (infra and monitoring helmfiles) set only keys those charts
// have at the pinned version. Helm ignores an unknown key without a word: bitnami/kafka 32 has no
// `extraConfig`, so our broker settings were dropped while every render looked fine. The known
// keys come from the charts' own repositories (upstream-chart-keys.json, written by
// scripts/k8s/upstream-chart-keys.ts); this test needs no network.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { root } from './rendered.ts';

interface ChartKeys {
  version: string;
  open: string[];
  keys: string[];
}
interface Release {
  name: string;
  chart: string;
  version?: string;
  values?: string[];
}

const fixture = JSON.parse(
  readFileSync(`${root}test/k8s/upstream-chart-keys.json`, 'utf8'),
) as Record<string, ChartKeys>;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The paths in `values` that the chart does not know (below an open key anything goes). */
function unknownKeys(chart: ChartKeys, values: unknown): string[] {
  const keys = new Set(chart.keys);
  const open = new Set(chart.open);
  const unknown: string[] = [];
  const visit = (value: unknown, prefix: string) => {
    if (!isMap(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const at = prefix ? `${prefix}.${key}` : key;
      if (open.has(at)) continue;
      if (!keys.has(at)) unknown.push(at);
      else visit(child, at);
    }
  };
  visit(values, '');
  return unknown;
}

/**
 * The releases part of a helmfile as its default environment renders it: the environments part
 * before `---` dropped, and its Go-template branches for the local cluster (`{{- if eq
 * .Environment.Name "local" }} … {{- else }}`, which install only the project's own charts)
 * taken out, so the text left is the YAML helmfile renders for the real deployment.
 */
function defaultEnvironmentOf(template: string): string {
  const releasesPart = template.split(/^---$/m).at(-1) ?? '';
  return releasesPart
    .replace(/^\{\{- if eq \.Environment\.Name "local" \}\}$[\s\S]*?^\{\{- else \}\}$/gm, '')
    .replace(/^\{\{-? (if|end|else)\b.*\}\}$/gm, '');
}

const upstreamReleases = ['infra', 'monitoring'].flatMap((helmfile) => {
  const { releases } = parse(
    defaultEnvironmentOf(readFileSync(`${root}k8s/helmfile-${helmfile}.yaml.gotmpl`, 'utf8')),
  ) as { releases: Release[] };
  return releases.filter((release) => !release.chart.startsWith('./'));
});

describe('values for the upstream charts', () => {
  test('every upstream release has its pinned chart version in the fixture', () => {
    for (const release of upstreamReleases)
      assert.equal(
        fixture[release.chart]?.version,
        release.version,
        `${release.name}: ${release.chart} ${String(release.version)} is not in upstream-chart-keys.json; run scripts/k8s/upstream-chart-keys.ts with the new version`,
      );
  });

  for (const release of upstreamReleases)
    for (const file of release.values ?? [])
      test(`${file} sets only keys ${release.chart} ${String(release.version)} has`, () => {
        const chart = fixture[release.chart];
        assert.ok(chart, `${release.chart} is not in the fixture`);
        const values: unknown = parse(readFileSync(`${root}k8s/${file}`, 'utf8'));
        assert.deepEqual(unknownKeys(chart, values), [], `${file}: keys the chart does not have`);
      });

  test('a key the chart lacks is caught, also deep, but not under a free-form map', () => {
    const kafka = fixture['bitnami/kafka'];
    const collector = fixture['open-telemetry/opentelemetry-collector'];
    assert.ok(kafka && collector);
    assert.deepEqual(
      unknownKeys(kafka, {
        extraConfig: 'offsets.topic.replication.factor=1',
        overrideConfiguration: { 'offsets.topic.replication.factor': '1' },
        controller: { replicaCount: 1, heapOptions: '-Xmx256m' },
      }),
      ['extraConfig', 'controller.heapOptions'],
    );
    assert.deepEqual(
      unknownKeys(collector, { config: { connectors: { spanmetrics: {} } }, confg: {} }),
      ['confg'],
    );
  });
});
