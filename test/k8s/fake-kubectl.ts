// A fake kubectl for the scripts that write Secrets (`make secrets`, `make tls`): it keeps them
// in a folder, $FAKE_KUBE/<namespace>/<name>/<key> (raw values), and logs every call to
// calls.log. `create secret … --dry-run` prints the Secret's files as KEY=PATH lines, which
// `apply -f -` copies into the store.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = `#!/usr/bin/env bash
set -euo pipefail
store=$FAKE_KUBE
echo "$*" >>"$store/calls.log"
ns=default; args=()
while [ $# -gt 0 ]; do
  case $1 in -n) ns=$2; shift 2 ;; *) args+=("$1"); shift ;; esac
done
set -- "\${args[@]}"
case "$1 $2" in
  "get namespace") [ -d "$store/ns/$3" ] ;;
  "create namespace") mkdir -p "$store/ns/$3" ;;
  "get secret")
    key=$(sed -E 's/.*index \\.data "([^"]+)".*/\\1/' <<<"\${@: -1}")
    [ -f "$store/$ns/$3/$key" ] || { [ -d "$store/$ns/$3" ] && { printf '<no value>'; exit 0; }; echo "not found" >&2; exit 1; }
    base64 -w0 <"$store/$ns/$3/$key" ;;
  "create secret")
    echo "secret $ns $4"
    for arg in "\${@:5}"; do
      case $arg in
        --from-file=*) echo "file \${arg#--from-file=}" ;;
        --cert=*) echo "file tls.crt=\${arg#--cert=}" ;;
        --key=*) echo "file tls.key=\${arg#--key=}" ;;
      esac
    done ;;
  "apply -f")
    read -r _ sns sname
    rm -rf "$store/$sns/$sname"; mkdir -p "$store/$sns/$sname"
    while read -r _ pair; do cp "\${pair#*=}" "$store/$sns/$sname/\${pair%%=*}"; done ;;
  "label secret") ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 3 ;;
esac
`;

export interface FakeKubectl {
  /** The store's folder. */
  dir: string;
  /** KUBECTL and FAKE_KUBE for the script under test. */
  env: Record<string, string>;
  read(namespace: string, name: string, key: string): Promise<string>;
  remove(): Promise<void>;
}

export async function fakeKubectl(prefix: string): Promise<FakeKubectl> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, 'kubectl'), script);
  await chmod(join(dir, 'kubectl'), 0o755);
  return {
    dir,
    env: { KUBECTL: join(dir, 'kubectl'), FAKE_KUBE: dir },
    read: (namespace, name, key) => readFile(join(dir, namespace, name, key), 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
