#!/usr/bin/env bash
# Prints a new VAPID key pair (RFC 8292) for Web Push as two lines, VAPID_PUBLIC_KEY=… and
# VAPID_PRIVATE_KEY=…: a P-256 key made by openssl, in the base64url forms browsers and the
# web-push library take (the uncompressed public point, 65 bytes; the private scalar, 32 bytes).
set -euo pipefail
text=$(openssl ecparam -name prime256v1 -genkey -noout | openssl ec -text -noout 2>/dev/null)
hex_of() { awk -v from="$1" -v to="$2" '$0 ~ from {f=1; next} $0 ~ to {f=0} f' <<<"$text" | tr -d ' :\n'; }
base64url() { sed 's/../\\x&/g' | xargs -0 printf '%b' | base64 -w0 | tr '+/' '-_' | tr -d '='; }
private=$(hex_of '^priv:' '^pub:')
public=$(hex_of '^pub:' '^ASN1 OID')
# openssl may print the scalar with a leading zero byte: keep its last 32 bytes.
echo "VAPID_PUBLIC_KEY=$(printf '%s' "$public" | base64url)"
echo "VAPID_PRIVATE_KEY=$(printf '%s' "${private: -64}" | base64url)"
