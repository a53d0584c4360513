#!/usr/bin/env bash
# `make tls`: a private certificate authority for a household without a public domain, and the
# server's certificate in each environment, as Kubernetes Secrets:
#   infra/everything-ca    kubernetes.io/tls   the CA (its key never leaves the cluster and this run)
#   staging/server-tls     kubernetes.io/tls   for the staging hosts (values/apps/server/staging.yaml)
#   prod/server-tls        kubernetes.io/tls   for the prod hosts (values/apps/server/prod.yaml)
# and writes the CA's certificate (public) to $TLS_CA_CERT, for the phones to trust (k8s/README.md,
# "Trusting the café's certificate authority on a phone").
#
# Idempotent: the CA in the cluster is kept; a server certificate is kept while it is signed by
# that CA, names exactly the environment's hosts and stays valid for 30 more days; otherwise a
# new one is issued (ROTATE=1 issues new ones anyway; ROTATE_CA=1 replaces the CA too, and then
# every phone must trust the new one). Keys are made with a private umask in a private temporary
# folder and reach kubectl through files; nothing secret is printed or passed on a command line.
#
# Variables: KUBECTL (default kubectl; e.g. 'sudo k3s kubectl'), TLS_CA_CERT (default
# .dev/tls/everything-ca.crt; the local cluster writes .dev/cluster/ca.crt), TLS_CA_DOMAIN (the
# domain the CA may vouch for, default the prod host: a stolen CA key cannot impersonate any
# other site to a phone that trusts it), TLS_HOSTS_STAGING / TLS_HOSTS_PROD (space-separated,
# instead of the values files).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf '\033[1;34m[tls]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

read -r -a kubectl <<<"${KUBECTL:-kubectl}"
command -v "${kubectl[0]}" >/dev/null || die "kubectl not found (k3s: KUBECTL='sudo k3s kubectl')"
command -v openssl >/dev/null || die "make tls needs openssl"
CA_NAMESPACE=infra
CA_SECRET=everything-ca
SERVER_SECRET=server-tls
CA_DAYS=3650
# Apple platforms reject server certificates valid for more than 825 days; browsers' public limit
# is 398. A yearly `make tls` renews them (it reissues within 30 days of expiry).
SERVER_DAYS=397
RENEW_SECONDS=$((30 * 86400))
TLS_CA_CERT=${TLS_CA_CERT:-$ROOT/.dev/tls/everything-ca.crt}

work=$(mktemp -d)
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT
umask 077

# hosts ENV: the environment's Ingress hosts, from TLS_HOSTS_<ENV> or its values file.
hosts() {
  local variable="TLS_HOSTS_${1^^}"
  if [ -n "${!variable:-}" ]; then echo "${!variable}"; return; fi
  python3 - "$ROOT/k8s/values/apps/server/$1.yaml" <<'PY'
import sys, yaml
hosts = ((yaml.safe_load(open(sys.argv[1])) or {}).get("ingress") or {}).get("hosts") or []
print(" ".join(hosts))
PY
}

# secret_file NAMESPACE NAME KEY FILE: the Secret's key into FILE; fails when there is none.
secret_file() {
  local encoded
  encoded=$("${kubectl[@]}" get secret "$2" -n "$1" -o "go-template={{ index .data \"$3\" }}" 2>/dev/null) \
    || return 1
  [ -n "$encoded" ] && [ "$encoded" != "<no value>" ] || return 1
  printf '%s' "$encoded" | base64 -d >"$4"
}

# apply_tls NAMESPACE NAME CERT KEY: creates or replaces the kubernetes.io/tls Secret.
apply_tls() {
  "${kubectl[@]}" get namespace "$1" >/dev/null 2>&1 || "${kubectl[@]}" create namespace "$1" >/dev/null
  "${kubectl[@]}" create secret tls "$2" -n "$1" --cert="$3" --key="$4" --dry-run=client -o yaml \
    | "${kubectl[@]}" apply -f - >/dev/null
  "${kubectl[@]}" label secret "$2" -n "$1" app.kubernetes.io/part-of=everything \
    app.kubernetes.io/managed-by=make-tls --overwrite >/dev/null
}

# The DNS names a certificate carries, sorted, one line.
names_of() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null \
    | grep -o 'DNS:[^,]*' | sed 's/^DNS://' | sort | tr '\n' ' ' | sed 's/ $//'
}

staging_hosts=$(hosts staging)
prod_hosts=$(hosts prod)
[ -n "$staging_hosts" ] && [ -n "$prod_hosts" ] || die "no ingress.hosts in k8s/values/apps/server/{staging,prod}.yaml"
domain=${TLS_CA_DOMAIN:-${prod_hosts%% *}}
for host in $staging_hosts $prod_hosts; do
  [ "$host" = "$domain" ] || [ "${host%".$domain"}" != "$host" ] \
    || die "$host is not $domain or below it: set TLS_CA_DOMAIN to a domain that covers every host"
done

# The CA: from the cluster, or a new one (ECDSA P-256; only for $domain and names below it).
if [ "${ROTATE_CA:-0}" != 1 ] && secret_file "$CA_NAMESPACE" "$CA_SECRET" tls.crt "$work/ca.crt" \
  && secret_file "$CA_NAMESPACE" "$CA_SECRET" tls.key "$work/ca.key"; then
  say "keeping the CA in $CA_NAMESPACE/$CA_SECRET ($(openssl x509 -in "$work/ca.crt" -noout -subject))"
else
  say "creating a CA for $domain in $CA_NAMESPACE/$CA_SECRET"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days "$CA_DAYS" -out "$work/ca.crt" \
    -subj "/O=Everything/CN=Everything CA for $domain" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "nameConstraints=critical,permitted;DNS:$domain" \
    -addext "subjectKeyIdentifier=hash"
  apply_tls "$CA_NAMESPACE" "$CA_SECRET" "$work/ca.crt" "$work/ca.key"
  ROTATE=1
fi
mkdir -p "$(dirname "$TLS_CA_CERT")"
install -m 644 "$work/ca.crt" "$TLS_CA_CERT"

# A server certificate per environment, for exactly its hosts.
for environment in staging prod; do
  wanted=$(tr ' ' '\n' <<<"$(hosts "$environment")" | sort | tr '\n' ' ' | sed 's/ $//')
  current="$work/$environment-current.crt"
  if [ "${ROTATE:-0}" != 1 ] && secret_file "$environment" "$SERVER_SECRET" tls.crt "$current" \
    && openssl verify -CAfile "$work/ca.crt" "$current" >/dev/null 2>&1 \
    && openssl x509 -in "$current" -noout -checkend "$RENEW_SECONDS" >/dev/null \
    && [ "$(names_of "$current")" = "$wanted" ]; then
    say "keeping $environment/$SERVER_SECRET ($wanted)"
    continue
  fi
  say "issuing $environment/$SERVER_SECRET for $wanted, valid $SERVER_DAYS days"
  san=$(sed 's/\([^ ]*\)/DNS:\1/g; s/ /,/g' <<<"$wanted")
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$environment.key" 2>/dev/null
  openssl req -new -key "$work/$environment.key" -subj "/O=Everything/CN=${wanted%% *}" \
    -out "$work/$environment.csr"
  printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" >"$work/$environment.ext"
  openssl x509 -req -in "$work/$environment.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -sha256 -days "$SERVER_DAYS" \
    -extfile "$work/$environment.ext" -out "$work/$environment.crt" 2>/dev/null
  # The chain the controller sends: the server's certificate, then the CA's.
  cat "$work/$environment.crt" "$work/ca.crt" >"$work/$environment-chain.crt"
  apply_tls "$environment" "$SERVER_SECRET" "$work/$environment-chain.crt" "$work/$environment.key"
done

say "done; the CA certificate for the phones is ${TLS_CA_CERT#"$ROOT"/} (no key was printed)"
