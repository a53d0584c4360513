#!/usr/bin/env bash
# Checks k8s/ without a cluster and without network (part of `make test`):
#   1. helm lint --strict of every chart, with each environment's values
#   2. values.schema.json rejects bad values (negative replicas, missing image tag, unknown keys,
#      Ingress hosts that are not DNS names)
#   3. helmfile renders the apps for staging and prod (also with the local cluster's overlay) and
#      the infra helmfile's `local` environment; the infra and monitoring helmfiles parse (their
#      upstream charts cannot be downloaded here, see k8s/README.md)
#   4. every rendered object validates, strictly (unknown fields rejected), against the JSON
#      schemas of Kubernetes $K8S_VALIDATE_VERSIONS shipped in the kubernetes-validate package
#   5. the rendered manifests equal the checked-in golden files (test/k8s/golden/)
# Usage: scripts/k8s/check.sh            check
#        scripts/k8s/check.sh --update   regenerate the golden files (review the diff, commit)
source "$(dirname "$0")/tools.sh"
cd "$ROOT/k8s"

K8S_VALIDATE_VERSIONS=${K8S_VALIDATE_VERSIONS:-"1.33.0 1.37.0"}
GOLDEN="$ROOT/test/k8s/golden"
update=false
[ "${1:-}" = --update ] && update=true
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Fixed image coordinates, so the golden files do not change with every commit.
export REGISTRY=registry.example:5000/everything TAG=0123abc
apps=(server order customer)
envs=(staging prod)
failed=0
fail() { printf '\033[1;31m[k8s] FAIL\033[0m %s\n' "$*" >&2; failed=1; }
quiet() { "$@" >"$out/cmd.log" 2>&1 || { cat "$out/cmd.log" >&2; return 1; }; }
# render FILE COMMAND...: the command's standard output into FILE (helm logs go to stderr).
render() {
  local file=$1; shift
  "$@" >"$file" 2>"$out/render.log" || { cat "$out/render.log" >&2; return 1; }
}

log k8s "helm dependency build (the library chart into each app chart)"
for app in "${apps[@]}"; do quiet helm dependency build "charts/$app" || fail "dependency build $app"; done

log k8s "helm lint --strict"
for app in "${apps[@]}"; do
  for env in "${envs[@]}"; do
    quiet helm lint --strict --quiet "charts/$app" --namespace "$env" \
      -f "values/apps/$app/common.yaml" -f "values/apps/$app/$env.yaml" --set image.tag=lint \
      || fail "helm lint $app ($env)"
  done
done
quiet helm lint --strict --quiet charts/infra-extras || fail "helm lint infra-extras"
quiet helm lint --strict --quiet charts/monitoring-extras || fail "helm lint monitoring-extras"
quiet helm lint --strict --quiet charts/local-infra --set images.postgresql=lint,images.valkey=lint,images.kafka=lint,images.temporal=lint ||
  fail "helm lint local-infra"

log k8s "values.schema.json rejects bad values"
# expect_rejected WHAT PATTERN HELM-TEMPLATE-ARGS...: rendering must fail, naming the problem
# (the order chart, or the one named by $chart).
expect_rejected() {
  local what=$1 pattern=$2 chart=${chart:-order}; shift 2
  if helm template "$chart" "charts/$chart" -f "values/apps/$chart/common.yaml" \
    -f "values/apps/$chart/staging.yaml" "$@" >"$out/rejected.log" 2>&1; then
    fail "schema accepted $what"
  elif ! grep -qiE "$pattern" "$out/rejected.log"; then
    fail "$what was rejected, but not for the expected reason:"; cat "$out/rejected.log" >&2
  fi
}
expect_rejected "a negative replicaCount" "replicaCount.*(minimum|greater)" --set image.tag=ok --set replicaCount=-1
expect_rejected "a missing image tag" "tag" --set image.tag=
expect_rejected "the tag 'latest'" "tag" --set image.tag=latest
expect_rejected "an unknown top-level key" "additional.*replicas|replicas.*not allowed" --set image.tag=ok --set replicas=2
expect_rejected "a lower-case variable name" "config|does not match|pattern" --set image.tag=ok --set config.log_level=debug
expect_rejected "a secret without key" "key|required" --set image.tag=ok --set secretEnv.DB_PASSWORD.key=null
# The server's Ingress hosts: DNS names only (what Kubernetes and a certificate accept).
for bad_host in 192.168.1.20 Coffee.home coffee.home:443 '*.coffee.home' coffee_home.lan coffee.home. \
  https://coffee.home; do
  chart=server expect_rejected "the Ingress host '$bad_host'" "hosts|pattern|does not match" \
    --set image.tag=ok --set-string "ingress.hosts[0]=$bad_host"
done
chart=server expect_rejected "an Ingress without hosts" "hosts|minItems|minimum" --set image.tag=ok \
  --set-json 'ingress.hosts=[]'
if ! quiet helm template server charts/server -f values/apps/server/common.yaml \
  -f values/apps/server/staging.yaml --set image.tag=ok --set-string 'ingress.hosts[0]=cafe-1.example.lan'; then
  fail "schema rejected a good Ingress host"
fi
if ! quiet helm template order charts/order -f values/apps/order/common.yaml \
  -f values/apps/order/staging.yaml --set image.tag=ok; then fail "schema rejected good values"; fi

log k8s "helmfile template (apps: staging, prod)"
# k3s' Traefik installs its CRDs: render as a cluster that has them (the server's Middlewares).
TRAEFIK_MIDDLEWARE_API=traefik.io/v1alpha1/Middleware
for env in "${envs[@]}"; do
  if helmfile --quiet -f helmfile-apps.yaml.gotmpl -e "$env" template --skip-deps \
    --args "--kube-version=1.33.0 --api-versions=$TRAEFIK_MIDDLEWARE_API" >"$out/apps-$env.yaml" \
    2>"$out/helmfile-$env.log"; then
    [ -s "$out/apps-$env.yaml" ] || fail "helmfile rendered nothing for $env"
  else
    cat "$out/helmfile-$env.log" >&2; fail "helmfile template -e $env"
  fi
done
# The optional parts that the environments leave off, rendered too so that they get validated.
render "$out/extras-order-metrics.yaml" helm template order charts/order --namespace prod \
  -f values/apps/order/common.yaml -f values/apps/order/prod.yaml --set image.tag=ok \
  --set metrics.enabled=true || fail "render order with metrics"
# The server on a cluster without Traefik's CRDs (HTTPS Ingress alone), and with cert-manager.
render "$out/extras-server-no-traefik-crds.yaml" helm template server charts/server --namespace prod \
  -f values/apps/server/common.yaml -f values/apps/server/prod.yaml --set image.tag=ok \
  || fail "render server without Traefik's CRDs"
grep -q 'kind: Middleware' "$out/extras-server-no-traefik-crds.yaml" \
  && fail "the server chart rendered Middlewares for a cluster without their CRD"
render "$out/extras-server-cert-manager.yaml" helm template server charts/server --namespace prod \
  -f values/apps/server/common.yaml -f values/apps/server/prod.yaml --set image.tag=ok \
  --api-versions "$TRAEFIK_MIDDLEWARE_API" --set ingress.tls.certManager.enabled=true \
  --set ingress.tls.certManager.issuerName=household-ca || fail "render server with cert-manager"
render "$out/extras-infra.yaml" helm template infra-extras charts/infra-extras --namespace infra \
  || fail "render infra-extras"
render "$out/extras-monitoring.yaml" helm template monitoring-extras charts/monitoring-extras \
  --namespace monitoring || fail "render monitoring-extras"

# The local cluster's path (make cluster-up): the apps with the `local` overlay, and the infra
# helmfile's `local` environment, whose charts are all in this repository.
for env in "${envs[@]}"; do
  render "$out/extras-local-apps-$env.yaml" env OVERLAY=local helmfile --quiet -f helmfile-apps.yaml.gotmpl \
    -e "$env" template --skip-deps --args --kube-version=1.33.0 || fail "helmfile template -e $env with OVERLAY=local"
done
grep -q 'nodePort: 3008[01]' "$out"/extras-local-apps-*.yaml || fail "the local overlay did not apply (no node port)"
render "$out/extras-local-infra.yaml" env LOCAL_IMAGE_POSTGRESQL=localhost/everything/postgresql:0123abc \
  LOCAL_IMAGE_VALKEY=localhost/everything/valkey:0123abc LOCAL_IMAGE_KAFKA=localhost/everything/kafka:0123abc \
  LOCAL_IMAGE_TEMPORAL=localhost/everything/temporal:0123abc \
  helmfile --quiet -f helmfile-infra.yaml.gotmpl -e local template --skip-deps --args --kube-version=1.33.0 ||
  fail "helmfile-infra template -e local"

log k8s "helmfile (infra, monitoring) parse and list their releases"
for file in helmfile-infra.yaml.gotmpl helmfile-monitoring.yaml.gotmpl; do
  quiet helmfile -f "$file" list --skip-charts || fail "helmfile $file list"
done
# Their values files cannot be rendered with charts we cannot download: at least each must be
# one YAML mapping, and every file a helmfile names must exist.
python3 - helmfile-*.yaml.gotmpl <<'PY' || fail "values files of the helmfiles"
import glob, re, sys, yaml
for path in sorted(glob.glob("values/**/*.yaml", recursive=True)):
    if not isinstance(yaml.safe_load(open(path)), dict):
        sys.exit(f"{path}: not a YAML mapping")
for helmfile in sys.argv[1:]:
    for named in re.findall(r"^\s*-\s+(values/[\w./-]+\.yaml)\s*$", open(helmfile).read(), re.M):
        open(named).close()
PY

log k8s "rendered objects against Kubernetes $K8S_VALIDATE_VERSIONS schemas (strict)"
for version in $K8S_VALIDATE_VERSIONS; do
  # --no-warn: kinds without a built-in schema (ServiceMonitor) are checked below instead.
  if ! kubernetes-validate --strict --quiet --no-warn -k "$version" "$out"/apps-*.yaml \
    "$out"/extras-*.yaml >"$out/validate.log" 2>&1; then
    cat "$out/validate.log" >&2; fail "schema validation against Kubernetes $version"
  fi
done
# ServiceMonitor is a CRD: a schema of the fields we use (test/k8s/schemas), strict as well.
python3 - "$ROOT/test/k8s/schemas/servicemonitor.schema.json" "$out"/apps-*.yaml "$out"/extras-*.yaml <<'PY' || fail "ServiceMonitor schema"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
seen = 0
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc and doc.get("kind") == "ServiceMonitor":
            seen += 1
            jsonschema.validate(doc, schema)
if not seen:
    sys.exit("no ServiceMonitor was rendered: the metrics render lost it")
PY
# Traefik's Middleware, a CRD too: the fields the server chart uses (test/k8s/schemas).
python3 - "$ROOT/test/k8s/schemas/traefik-middleware.schema.json" "$out"/apps-*.yaml <<'PY' || fail "Middleware schema"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
seen = 0
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc and doc.get("kind") == "Middleware":
            seen += 1
            jsonschema.validate(doc, schema)
if seen != 4:
    sys.exit(f"{seen} Middlewares rendered: expected the server's two in each environment")
PY

# Golden files: the apps per environment, and infra-extras (whose provisioning script the node
# tests run against the test stack's PostgreSQL).
golden_files=(apps-staging apps-prod extras-infra extras-monitoring extras-local-infra)
if $update; then
  mkdir -p "$GOLDEN"
  for name in "${golden_files[@]}"; do cp "$out/$name.yaml" "$GOLDEN/$name.yaml.golden"; done
  log k8s "golden files regenerated in ${GOLDEN#"$ROOT"/}: review the diff and commit it"
else
  log k8s "rendered manifests against the golden files"
  for name in "${golden_files[@]}"; do
    if ! diff -u "$GOLDEN/$name.yaml.golden" "$out/$name.yaml" >"$out/golden.diff"; then
      head -n 60 "$out/golden.diff" >&2
      fail "rendered $name differs from test/k8s/golden/$name.yaml.golden: if intended, run scripts/k8s/check.sh --update (make -C k8s golden) and commit"
    fi
  done
fi

[ "$failed" = 0 ] || die "kubernetes checks failed"
log k8s "charts, helmfiles and rendered manifests are valid"
