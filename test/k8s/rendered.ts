// The manifests that the charts render, as objects: read from the golden files that
// scripts/k8s/check.sh keeps equal to `helmfile template` (it fails `make test` when they drift).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const environments = ['staging', 'prod'] as const;
export type Environment = (typeof environments)[number];

export interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvEntry[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string }; grpc?: { port: number; service?: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}
export interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  topologySpreadConstraints?: unknown[];
  serviceAccountName?: string;
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: Record<string, unknown>;
    strategy?: { rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    template?: { metadata: { labels?: Record<string, string> }; spec: PodSpec };
    backoffLimit?: number;
    minAvailable?: number | string;
    containers?: Container[];
  };
}

/**
 * YAML to objects through PyYAML from the kubernetes-validate venv that scripts/k8s/tools.sh
 * installs (the workspace has no YAML parser of its own).
 */
function parseYamlFile(path: string): K8sObject[] {
  const script =
    'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))';
  const json = execFileSync(
    'bash',
    ['-c', 'source scripts/k8s/tools.sh && exec python3 -c "$0" "$1"', script, path],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(json) as K8sObject[];
}

/**
 * A command with the project's pinned helm and kubernetes-validate on PATH (scripts/k8s/tools.sh),
 * run in k8s/: its exit status, its standard output, and both streams for messages.
 */
export function withK8sTools(
  command: string,
  ...args: string[]
): { ok: boolean; stdout: string; output: string } {
  const result = spawnSync(
    'bash',
    ['-c', 'source ../scripts/k8s/tools.sh && "$@"', 'k8s-tools', command, ...args],
    { cwd: `${root}k8s`, encoding: 'utf8' },
  );
  return { ok: result.status === 0, stdout: result.stdout, output: result.stdout + result.stderr };
}

const cache = new Map<string, K8sObject[]>();
export function golden(name: string): K8sObject[] {
  let objects = cache.get(name);
  if (!objects) {
    objects = parseYamlFile(`${root}test/k8s/golden/${name}.yaml.golden`);
    cache.set(name, objects);
  }
  return objects;
}

export const rendered = (environment: Environment) => golden(`apps-${environment}`);

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} rendered`);
  return found;
}

export function podSpec(object: K8sObject): PodSpec {
  const spec = object.spec?.template?.spec;
  if (!spec) throw new Error(`${object.kind} ${object.metadata.name} has no pod template`);
  return spec;
}

export function onlyContainer(object: K8sObject): Container {
  const [container, ...others] = podSpec(object).containers;
  if (!container || others.length)
    throw new Error(`${object.metadata.name}: expected one container`);
  return container;
}

export type Value = { value: string } | { secret: string; key: string };

/**
 * The environment a container gets, as Kubernetes assembles it: envFrom ConfigMaps (from the
 * same rendered objects) first, then env entries, which win.
 */
export function containerEnv(objects: K8sObject[], container: Container): Map<string, Value> {
  const env = new Map<string, Value>();
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (!name) throw new Error(`${container.name}: only configMapRef sources are expected`);
    for (const [key, value] of Object.entries(find(objects, 'ConfigMap', name).data ?? {}))
      env.set(key, { value });
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) env.set(entry.name, { secret: ref.name, key: ref.key });
    else if (entry.value !== undefined) env.set(entry.name, { value: entry.value });
    else throw new Error(`${container.name}: ${entry.name} has neither a value nor a secretKeyRef`);
  }
  return env;
}
