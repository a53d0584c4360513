#!/usr/bin/env bash
# `make secrets`: creates the Kubernetes Secrets that the infra and app releases read.
#   scripts/k8s/secrets.sh                  asks for each missing value (Enter generates one)
#   scripts/k8s/secrets.sh --non-interactive   generates every missing value (automation);
#                                           a value can be given through the environment variable
#                                           named below instead (e.g. POSTGRES_PASSWORD=… ).
#   ROTATE=1 …                              replaces existing values too (then `make deploy-infra`
#                                           applies the database passwords, and the apps restart)
# Idempotent: a value that exists in the cluster is kept. Never prints a secret value: input
# is read without echo, and values reach kubectl through a private temporary file, never argv.
#
# Secrets (namespace/name: keys):
#   infra/postgres-credentials      postgres-password            (POSTGRES_PASSWORD)
#   infra/temporal-credentials      password                     (TEMPORAL_DB_PASSWORD)
#   infra/database-users            order-staging, order-prod, customer-staging, customer-prod
#                                   (the same values as the app namespaces' db credentials)
#   <env>/order-db-credentials      password                     (ORDER_DB_PASSWORD_<ENV>)
#   <env>/customer-db-credentials   password                     (CUSTOMER_DB_PASSWORD_<ENV>)
#   <env>/jwt-signing-key           key                          (JWT_SIGNING_KEY_<ENV>)
#   <env>/bootstrap-admin           email, password              (BOOTSTRAP_ADMIN_EMAIL,
#                                                                  BOOTSTRAP_ADMIN_PASSWORD_<ENV> or BOOTSTRAP_ADMIN_PASSWORD)
#   <env>/vapid-keys                public-key, private-key      (VAPID_PUBLIC_KEY_<ENV>,
#                                   (Web Push, RFC 8292)          VAPID_PRIVATE_KEY_<ENV>: both or neither)
#   monitoring/grafana-admin        admin-user, admin-password   (GRAFANA_ADMIN_PASSWORD)
# with <env> = staging and prod (<ENV> = STAGING, PROD).
set -euo pipefail

interactive=true
[ "${1:-}" = --non-interactive ] && interactive=false
[ -t 0 ] || [ "$interactive" = false ] || { echo "no terminal: use --non-interactive" >&2; exit 2; }
KUBECTL=${KUBECTL:-kubectl}
command -v "$KUBECTL" >/dev/null || { echo "kubectl not found (k3s: sudo k3s kubectl, or set KUBECTL)" >&2; exit 1; }

work=$(mktemp -d)
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT

say() { printf '\033[1;34m[secrets]\033[0m %s\n' "$*" >&2; }
random() { head -c "${1:-32}" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# existing NAMESPACE SECRET KEY: the value in the cluster, or nothing.
existing() {
  local encoded
  encoded=$("$KUBECTL" get secret "$2" -n "$1" -o "go-template={{ index .data \"$3\" }}" 2>/dev/null) || return 0
  [ "$encoded" = "<no value>" ] && return 0
  printf '%s' "$encoded" | base64 -d
}

# value WHAT ENV_VARIABLE GENERATED [EXISTING...]: first the environment variable, then (unless
# rotating) a value already in the cluster, then the operator's input, else GENERATED.
value() {
  local what=$1 variable=$2 generated=$3; shift 3
  local given=${!variable:-}
  if [ -n "$given" ]; then printf '%s' "$given"; return; fi
  if [ "${ROTATE:-0}" != 1 ]; then
    for found in "$@"; do
      if [ -n "$found" ]; then printf '%s' "$found"; return; fi
    done
  fi
  if $interactive; then
    local answer
    read -r -s -p "$what (Enter generates one): " answer </dev/tty
    echo >&2
    if [ -n "$answer" ]; then printf '%s' "$answer"; return; fi
  fi
  printf '%s' "$generated"
}

ensure_namespace() {
  "$KUBECTL" get namespace "$1" >/dev/null 2>&1 || "$KUBECTL" create namespace "$1" >/dev/null
}

# apply NAMESPACE SECRET KEY=VALUE_FILE...: creates or updates the Secret from files.
apply() {
  local namespace=$1 name=$2; shift 2
  local args=()
  for pair in "$@"; do args+=("--from-file=$pair"); done
  ensure_namespace "$namespace"
  "$KUBECTL" create secret generic "$name" -n "$namespace" "${args[@]}" --dry-run=client -o yaml \
    | "$KUBECTL" apply -f - >/dev/null
  "$KUBECTL" label secret "$name" -n "$namespace" app.kubernetes.io/part-of=everything \
    app.kubernetes.io/managed-by=make-secrets --overwrite >/dev/null
  say "$namespace/$name ready"
}

# put NAME VALUE: a private file holding VALUE (no trailing newline), for --from-file.
put() { (umask 077; printf '%s' "$2" >"$work/$1"); }

put postgres-password "$(value 'PostgreSQL superuser password' POSTGRES_PASSWORD "$(random)" \
  "$(existing infra postgres-credentials postgres-password)")"
apply infra postgres-credentials "postgres-password=$work/postgres-password"

put temporal-password "$(value 'Temporal database password' TEMPORAL_DB_PASSWORD "$(random)" \
  "$(existing infra temporal-credentials password)")"
apply infra temporal-credentials "password=$work/temporal-password"

users=()
for env in staging prod; do
  ENV=${env^^}
  for service in order customer; do
    SERVICE=${service^^}
    put "$service-$env" "$(value "$service database password ($env)" "${SERVICE}_DB_PASSWORD_$ENV" "$(random)" \
      "$(existing "$env" "$service-db-credentials" password)" "$(existing infra database-users "$service-$env")")"
    apply "$env" "$service-db-credentials" "password=$work/$service-$env"
    users+=("$service-$env=$work/$service-$env")
  done

  put "jwt-$env" "$(value "JWT signing key ($env)" "JWT_SIGNING_KEY_$ENV" "$(random 48)" \
    "$(existing "$env" jwt-signing-key key)")"
  apply "$env" jwt-signing-key "key=$work/jwt-$env"

  email=${BOOTSTRAP_ADMIN_EMAIL:-$(existing "$env" bootstrap-admin email)}
  if [ -z "$email" ] && $interactive; then
    read -r -p "bootstrap admin e-mail ($env) [admin@everything.local]: " email </dev/tty
  fi
  put "admin-email-$env" "${email:-admin@everything.local}"
  # BOOTSTRAP_ADMIN_PASSWORD_<ENV> for one environment, else BOOTSTRAP_ADMIN_PASSWORD for both.
  per_env="BOOTSTRAP_ADMIN_PASSWORD_$ENV"
  [ -n "${!per_env:-}" ] || printf -v "$per_env" '%s' "${BOOTSTRAP_ADMIN_PASSWORD:-}"
  put "admin-password-$env" "$(value "bootstrap admin password ($env)" "$per_env" \
    "$(random 18)" "$(existing "$env" bootstrap-admin password)")"
  apply "$env" bootstrap-admin "email=$work/admin-email-$env" "password=$work/admin-password-$env"

  # A key pair is kept or replaced whole: half of an old pair and half of a new one never match.
  public=$(existing "$env" vapid-keys public-key)
  private=$(existing "$env" vapid-keys private-key)
  given_public=VAPID_PUBLIC_KEY_$ENV given_private=VAPID_PRIVATE_KEY_$ENV
  if [ -n "${!given_public:-}" ] && [ -n "${!given_private:-}" ]; then
    public=${!given_public} private=${!given_private}
  elif [ -z "$public" ] || [ -z "$private" ] || [ "${ROTATE:-0}" = 1 ]; then
    pair=$("$(dirname "$0")/../vapid-keys.sh")
    public=$(sed -n 's/^VAPID_PUBLIC_KEY=//p' <<<"$pair") private=$(sed -n 's/^VAPID_PRIVATE_KEY=//p' <<<"$pair")
  fi
  put "vapid-public-$env" "$public"
  put "vapid-private-$env" "$private"
  apply "$env" vapid-keys "public-key=$work/vapid-public-$env" "private-key=$work/vapid-private-$env"
done
# The infra releases create each environment's database user with these (charts/infra-extras).
apply infra database-users "${users[@]}"

put grafana-user admin
put grafana-password "$(value 'Grafana admin password' GRAFANA_ADMIN_PASSWORD "$(random 18)" \
  "$(existing monitoring grafana-admin admin-password)")"
apply monitoring grafana-admin "admin-user=$work/grafana-user" "admin-password=$work/grafana-password"

say "all secrets are in place (values were not printed; read one with kubectl get secret … -o jsonpath)"
