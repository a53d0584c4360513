// Writes test/k8s/upstream-chart-keys.json: the values keys each upstream chart of the infra and
// monitoring helmfiles knows, at the version pinned there, read from the chart's own Git
// repository. test/k8s/upstream-values.test.ts checks our values files against it offline, so a
// key the chart does not have (bitnami/kafka 32's `extraConfig`, silently dropped) fails
// `make test` instead of being ignored by the real render.
//
// A chart's keys are every path of its values.yaml, plus every `.Values.a.b` its templates read
// (some keys have no default, e.g. Tempo's persistence.storageClassName). Under an "open" key
// anything goes: one whose default is an empty map (resources: {}, podAnnotations: {}) and the
// free-form maps listed below (the collector's `config`, passed through to the collector).
// A parent chart's keys for a subchart (kube-prometheus-stack's `grafana`) are the subchart's
// keys under that name; Bitnami's library chart `common` reads the parent's values directly.
//
// Needs the network (git) or local clones: UPSTREAM_GIT_DIR=<dir> with <owner>+<name>/repo
// (or <owner>+<name>) Git directories in it is used first; otherwise each repository is
// cloned once, blobless, into ~/.cache/everything/upstream-charts. It cannot run offline
// without them, which is why its output is committed.
// Usage: node scripts/k8s/upstream-chart-keys.ts   (then review and commit the JSON)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const output = path.join(root, 'test/k8s/upstream-chart-keys.json');

interface Source {
  /** GitHub owner/name */
  repo: string;
  /** tag or commit of the pinned version */
  ref: string;
  /** the chart's folder in the repository */
  dir: string;
}
interface Part extends Source {
  /** where the chart's values sit in ours: '' for the chart itself, else the subchart's name */
  under: string;
}
interface Chart {
  chart: string;
  version: string;
  parts: Part[];
  /** free-form maps: values passed through whole, whose keys the chart does not know */
  open: string[];
}

// Bitnami tags no chart release in Git; the commits are the ones that set each version in
// Chart.yaml (`git log -- bitnami/<chart>/Chart.yaml`), their `common` at the same commit.
const bitnami = (chart: string, commit: string): Part[] => [
  { repo: 'bitnami/charts', ref: commit, dir: `bitnami/${chart}`, under: '' },
  { repo: 'bitnami/charts', ref: commit, dir: 'bitnami/common', under: '' },
];

const charts: Chart[] = [
  {
    chart: 'bitnami/postgresql',
    version: '16.7.27',
    parts: bitnami('postgresql', '36f859828f416317e845779739fc772ef1774543'),
    open: [],
  },
  {
    chart: 'bitnami/kafka',
    version: '32.4.3',
    parts: bitnami('kafka', 'f73fdee132e88e0358b11fcaec6f3aa97bcd44f1'),
    open: [],
  },
  {
    chart: 'bitnami/valkey',
    version: '3.0.31',
    parts: bitnami('valkey', 'bfa74fb5cb43be45e0238a6fc4db88ae4dad4f78'),
    open: [],
  },
  {
    chart: 'temporal/temporal',
    version: '0.73.1',
    parts: [
      { repo: 'temporalio/helm-charts', ref: 'temporal-0.73.1', dir: 'charts/temporal', under: '' },
    ],
    // Rendered into Temporal's own config file and namespace list, whose keys the chart passes on.
    open: ['server.config.persistence', 'server.config.namespaces'],
  },
  {
    chart: 'prometheus-community/kube-prometheus-stack',
    version: '79.5.0',
    parts: [
      {
        repo: 'prometheus-community/helm-charts',
        ref: 'kube-prometheus-stack-79.5.0',
        dir: 'charts/kube-prometheus-stack',
        under: '',
      },
      // The dependency versions of kube-prometheus-stack 79.5.0's Chart.yaml.
      {
        repo: 'grafana/helm-charts',
        ref: 'grafana-10.1.4',
        dir: 'charts/grafana',
        under: 'grafana',
      },
      {
        repo: 'prometheus-community/helm-charts',
        ref: 'kube-state-metrics-6.4.1',
        dir: 'charts/kube-state-metrics',
        under: 'kube-state-metrics',
      },
      {
        repo: 'prometheus-community/helm-charts',
        ref: 'prometheus-node-exporter-4.49.1',
        dir: 'charts/prometheus-node-exporter',
        under: 'prometheus-node-exporter',
      },
    ],
    // Prometheus' own resource spec, passed to the Prometheus object as written.
    open: ['prometheus.prometheusSpec.storageSpec'],
  },
  {
    chart: 'open-telemetry/opentelemetry-collector',
    version: '0.139.1',
    parts: [
      {
        repo: 'open-telemetry/opentelemetry-helm-charts',
        ref: 'opentelemetry-collector-0.139.1',
        dir: 'charts/opentelemetry-collector',
        under: '',
      },
    ],
    // The collector's configuration file, merged into the chart's defaults and passed through.
    open: ['config'],
  },
  {
    chart: 'grafana/tempo',
    version: '1.24.0',
    parts: [{ repo: 'grafana/helm-charts', ref: 'tempo-1.24.0', dir: 'charts/tempo', under: '' }],
    // Tempo's receiver configuration, written into tempo.yaml as given.
    open: ['tempo.receivers'],
  },
];

const cacheDir = path.join(
  process.env.EVERYTHING_CACHE_DIR ?? path.join(homedir(), '.cache/everything'),
  'upstream-charts',
);
const gitDirs = new Map<string, string>();
function gitDir(repo: string): string {
  const known = gitDirs.get(repo);
  if (known) return known;
  const local = process.env.UPSTREAM_GIT_DIR;
  const slug = repo.replace('/', '+');
  const candidates = local ? [path.join(local, slug, 'repo'), path.join(local, slug)] : [];
  let dir = candidates.find((candidate) => existsSync(candidate));
  if (!dir) {
    dir = path.join(cacheDir, `${slug}.git`);
    if (!existsSync(dir)) {
      mkdirSync(cacheDir, { recursive: true });
      execFileSync(
        'git',
        ['clone', '--bare', '--filter=blob:none', `https://github.com/${repo}`, dir],
        {
          stdio: 'inherit',
        },
      );
    }
  }
  gitDirs.set(repo, dir);
  return dir;
}
const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['--git-dir', gitDir(repo), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every path of a values tree; maps that are empty by default are open. */
function walk(value: unknown, prefix: string, keys: Set<string>, open: Set<string>): void {
  if (!isMap(value)) return;
  if (prefix && Object.keys(value).length === 0) open.add(prefix);
  for (const [key, child] of Object.entries(value)) {
    const at = prefix ? `${prefix}.${key}` : key;
    keys.add(at);
    walk(child, at, keys, open);
  }
}

/** `.Values.a.b.c` read by templates: a, a.b and a.b.c are keys. */
function templateKeys(part: Part, keys: Set<string>): void {
  const files = git(part.repo, 'ls-tree', '-r', '--name-only', part.ref, `${part.dir}/templates/`)
    .split('\n')
    .filter(Boolean);
  for (const file of files) {
    const text = git(part.repo, 'show', `${part.ref}:${file}`);
    for (const match of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      const segments = (match[1] ?? '').slice(1).split('.');
      for (let length = 1; length <= segments.length; length += 1)
        keys.add([part.under, ...segments.slice(0, length)].filter(Boolean).join('.'));
    }
  }
}

const result: Record<string, unknown> = {};
for (const chart of charts) {
  const keys = new Set<string>();
  const open = new Set<string>(chart.open);
  for (const part of chart.parts) {
    const values: unknown = parse(git(part.repo, 'show', `${part.ref}:${part.dir}/values.yaml`));
    if (part.under) keys.add(part.under);
    walk(values, part.under, keys, open);
    templateKeys(part, keys);
    const version = (
      parse(git(part.repo, 'show', `${part.ref}:${part.dir}/Chart.yaml`)) as { version: string }
    ).version;
    if (part === chart.parts[0] && version !== chart.version)
      throw new Error(`${part.repo}@${part.ref}:${part.dir} is ${version}, not ${chart.version}`);
  }
  result[chart.chart] = {
    version: chart.version,
    sources: chart.parts.map(({ repo, ref, dir, under }) => ({ repo, ref, dir, under })),
    open: [...open].sort(),
    keys: [...keys].sort(),
  };
}
writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${path.relative(root, output)}`);
