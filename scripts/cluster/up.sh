#!/usr/bin/env bash
# `make cluster-up`: a real single-node Kubernetes on this machine, then the whole system on it.
#   1. builds the binaries once (build.sh) and checks the host: root, kernel features, free ports
#   2. applies the host fixes (each recorded in $CLUSTER_DIR/host-changes, which down.sh undoes)
#   3. starts etcd → kube-apiserver → controller-manager, scheduler → containerd → kubelet,
#      kube-proxy → (node Ready) → kube-router (NetworkPolicies) → CoreDNS
#   4. deploys (deploy.sh): images, secrets, infra stand-ins, staging and prod
# The kubeconfig is written to .dev/cluster/kubeconfig. CLUSTER_DEPLOY=0 stops after step 3.
# A second run while the cluster runs says so and starts nothing.
source "$(dirname "$0")/lib.sh"

# The daemons must not inherit the lock's descriptor (fd 9): they would hold the lock for as
# long as they run, and cluster-down could never take it.
start_node_daemon() { start_daemon "$@" 9>&-; }

preflight() {
  [ "$(id -u)" = 0 ] || die "the local cluster needs root (it mounts cgroups, creates a bridge and iptables rules); run make cluster-up as root"
  local missing=()
  [ -d /proc/sys/net/bridge ] || missing+=("bridge netfilter (/proc/sys/net/bridge: CONFIG_BRIDGE_NETFILTER)")
  grep -qw overlay /proc/filesystems || missing+=("overlayfs (CONFIG_OVERLAY_FS)")
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || missing+=("the memory cgroup controller")
  grep -qw cgroup /proc/filesystems || missing+=("cgroups")
  [ -e /dev/net/tun ] || [ -d /sys/class/net ] || missing+=("network devices")
  if [ ${#missing[@]} -gt 0 ]; then
    die "this kernel lacks what the local cluster needs: ${missing[*]}"
  fi
  for port in 2379 2380 "$API_PORT" 10248 10250 10256 10257 10259; do
    port_in_use "$port" && die "port $port is taken (another Kubernetes or etcd?); the local cluster needs it"
  done
  return 0
}

already_running() {
  for daemon in "${CLUSTER_DAEMONS[@]}"; do
    if is_running "$daemon"; then
      echo "$daemon (pid $(cat "$(pid_file "$daemon")"))"
      return 0
    fi
  done
  return 1
}

# sysctl_set KEY VALUE: sets a kernel setting and records its old value.
sysctl_set() {
  local file="/proc/sys/${1//.//}" old
  old=$(cat "$file")
  [ "$old" = "$2" ] && return 0
  echo "$2" >"$file"
  record_change sysctl "$1" "$old"
}

host_fixes() {
  # Appended to, never emptied: after an up that failed half-way, a second up finds the changes
  # made and records nothing new, and down.sh must still undo what the first one recorded.
  touch "$HOST_CHANGES"
  sysctl_set net.ipv4.ip_forward 1
  sysctl_set net.bridge.bridge-nf-call-iptables 1
  # kube-proxy turns this on for NodePorts on 127.0.0.1; down.sh restores the old value.
  record_change sysctl net.ipv4.conf.all.route_localnet "$(cat /proc/sys/net/ipv4/conf/all/route_localnet)"
  # runc refuses "hybrid" cgroups while hugetlb sits on cgroup v2 only: give it a v1 hierarchy.
  if [ -d /sys/fs/cgroup/memory ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
    mkdir -p /sys/fs/cgroup/hugetlb
    mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
    record_change mount /sys/fs/cgroup/hugetlb
  fi
  # Volume mounts with HostToContainer propagation need / to be a shared mount.
  local propagation
  propagation=$(findmnt -no PROPAGATION /)
  if [ "$propagation" != shared ]; then
    mount --make-rshared /
    record_change propagation / "$propagation"
  fi
  # The pods' bridge carries the node's address before the kubelet and kube-router start.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NODE_IP/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    record_change bridge "$BRIDGE"
  fi
}

# cert NAME SUBJECT [SANS]: a key and a certificate signed by the cluster's CA.
cert() {
  local name=$1 subject=$2 sans=${3:-}
  [ -f "$PKI/$name.crt" ] && return 0
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  local ext="$PKI/$name.ext"
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"; [ -n "$sans" ] && echo "subjectAltName=$sans"; } >"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

# kubeconfig FILE USER TOKEN: a kubeconfig with a static token (the API server's token file).
kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: everything-local
    cluster: { server: "https://127.0.0.1:$API_PORT", certificate-authority: "$PKI/ca.crt" }
users:
  - name: $2
    user: { token: "$3" }
contexts:
  - name: everything-local
    context: { cluster: everything-local, user: $2 }
current-context: everything-local
EOF
  chmod 600 "$1"
}

pki() {
  mkdir -p "$PKI" && chmod 700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -days 365 \
      -subj "/CN=everything-local-cluster-ca" -out "$PKI/ca.crt" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:${SERVICE_CIDR%.0/16}.1"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  [ -f "$PKI/sa.key" ] || { openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null && openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  # Static tokens: one per component, with the identities the default RBAC bindings name.
  # kube-router runs as an admin here (a host process of a development cluster).
  if [ ! -f "$PKI/tokens.csv" ]; then
    {
      echo "$(random_secret),admin,admin,\"system:masters\""
      echo "$(random_secret),system:node:$NODE_NAME,kubelet,\"system:nodes\""
      echo "$(random_secret),system:kube-proxy,kube-proxy"
      echo "$(random_secret),system:kube-controller-manager,kube-controller-manager"
      echo "$(random_secret),system:kube-scheduler,kube-scheduler"
      echo "$(random_secret),kube-router,kube-router,\"system:masters\""
    } >"$PKI/tokens.csv"
    chmod 600 "$PKI/tokens.csv"
  fi
  local token
  token() { awk -F, -v id="$1" '$3 == id { print $1 }' "$PKI/tokens.csv"; }
  kubeconfig "$KUBECONFIG_FILE" admin "$(token admin)"
  for component in kubelet kube-proxy kube-controller-manager kube-scheduler kube-router; do
    kubeconfig "$PKI/$component.kubeconfig" "$component" "$(token "$component")"
  done
}

start_control_plane() {
  mkdir -p "$CLUSTER_DIR/etcd"
  # --unsafe-no-fsync: a throw-away development cluster on a small VM; fsync dominated start-up.
  start_node_daemon etcd "$CLUSTER_BIN/etcd" --name default --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster default=http://127.0.0.1:2380 --unsafe-no-fsync --log-level warn
  wait_for_port etcd 2379 60

  start_node_daemon kube-apiserver "$CLUSTER_BIN/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 --bind-address=0.0.0.0 --secure-port="$API_PORT" \
    --advertise-address="$NODE_IP" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" --authorization-mode=Node,RBAC \
    --service-cluster-ip-range="$SERVICE_CIDR" --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname --allow-privileged=true \
    --enable-admission-plugins=NodeRestriction --profiling=false --v=1
  for _ in $(seq 1 120); do
    kubectl_ get --raw /readyz >/dev/null 2>&1 && break
    is_running kube-apiserver || die "kube-apiserver exited; see $CLUSTER_DIR/logs/kube-apiserver.log"
    sleep 0.5
  done
  kubectl_ get --raw /readyz >/dev/null 2>&1 || die "kube-apiserver not ready within 60 s; see $CLUSTER_DIR/logs/kube-apiserver.log"

  start_node_daemon kube-controller-manager "$CLUSTER_BIN/kube-controller-manager" \
    --kubeconfig="$PKI/kube-controller-manager.kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=true --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" \
    --node-cidr-mask-size=24 --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
  start_node_daemon kube-scheduler "$CLUSTER_BIN/kube-scheduler" \
    --kubeconfig="$PKI/kube-scheduler.kubeconfig" --leader-elect=false --bind-address=127.0.0.1 --profiling=false --v=1
}

start_containerd() {
  local dir="$CLUSTER_DIR/containerd"
  mkdir -p "$dir/state" "$CONTAINERD_ROOT" "$CLUSTER_DIR/cni/net.d" "$CLUSTER_DIR/cni/ipam"
  cat >"$dir/config.toml" <<EOF
version = 2
root = "$CONTAINERD_ROOT"
state = "$dir/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # No CAP_SYS_RESOURCE here: runc cannot lower a process's oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
EOF
  cat >"$CLUSTER_DIR/cni/net.d/10-everything.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "everything",
  "plugins": [
    { "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$CLUSTER_DIR/cni/ipam",
                "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" }
  ]
}
EOF
  # Its CRI answers "not initialized yet" until it has recovered its state, after its API is
  # up: a kubelet started in between exits. The CRI logs "Start streaming server" once ready.
  local log="$CLUSTER_DIR/logs/containerd.log" since
  since=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
  start_node_daemon containerd containerd --config "$dir/config.toml"
  for _ in $(seq 1 120); do
    if ctr_ version >/dev/null 2>&1 && grep -q 'Start streaming server' <(tail -n +"$since" "$log"); then
      return 0
    fi
    sleep 0.5
  done
  die "containerd's CRI did not get ready; see $log"
}

start_node() {
  local dir="$CLUSTER_DIR/kubelet"
  mkdir -p "$dir"
  cat >"$CLUSTER_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: "$PKI/ca.crt" }
authorization: { mode: AlwaysAllow }
clusterDomain: cluster.local
clusterDNS: ["$DNS_IP"]
resolvConf: /etc/resolv.conf
healthzBindAddress: 127.0.0.1
# A development node on a shared disk: evict only when truly out of space or memory.
evictionHard: { memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%" }
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
serializeImagePulls: false
protectKernelDefaults: false
EOF
  start_node_daemon kubelet "$CLUSTER_BIN/kubelet" --config="$CLUSTER_DIR/kubelet.yaml" \
    --kubeconfig="$PKI/kubelet.kubeconfig" --root-dir="$dir" --node-ip="$NODE_IP" \
    --hostname-override="$NODE_NAME" --v=1

  cat >"$CLUSTER_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: "$PKI/kube-proxy.kubeconfig" }
mode: iptables
clusterCIDR: "$POD_CIDR"
hostnameOverride: "$NODE_NAME"
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the host's conntrack settings as they are.
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
  start_node_daemon kube-proxy "$CLUSTER_BIN/kube-proxy" --config="$CLUSTER_DIR/kube-proxy.yaml" --v=1

  for _ in $(seq 1 120); do
    [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && break
    is_running kubelet || die "the kubelet exited; see $CLUSTER_DIR/logs/kubelet.log"
    sleep 0.5
  done
  [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] ||
    die "the node did not become Ready within 60 s; see $CLUSTER_DIR/logs/kubelet.log"

  # NetworkPolicies: kube-router's firewall only (the bridge routes, kube-proxy serves Services).
  start_node_daemon kube-router "$CLUSTER_BIN/kube-router" --kubeconfig="$PKI/kube-router.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --hostname-override="$NODE_NAME" \
    --metrics-port=0 --v=1
}

# CoreDNS, and the CRDs the charts' ServiceMonitors and PrometheusRules need to install.
start_dns() {
  kubectl_ apply -f "$ROOT/k8s/local/monitoring-crds.yaml" >/dev/null
  sed "s|COREDNS_IMAGE|$COREDNS_IMAGE|" "$ROOT/k8s/local/coredns.yaml" | kubectl_ apply -f - >/dev/null
  kubectl_ -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null ||
    die "CoreDNS did not become ready; kubectl -n kube-system describe pod -l k8s-app=kube-dns"
}

main() {
  mkdir -p "$CLUSTER_DIR"
  exec 9>"$CLUSTER_DIR/.lock"
  flock -n 9 || die "another make cluster-up or cluster-down is running"
  local running
  if running=$(already_running); then
    log cluster "the local cluster is already running ($running); not starting another. make cluster-down stops it."
    return 0
  fi
  preflight
  local started=$SECONDS
  cluster_build
  host_fixes
  pki
  start_control_plane
  start_containerd
  source "$ROOT/scripts/cluster/images.sh"
  image_pause
  start_node
  image_coredns
  start_dns
  log cluster "node $NODE_NAME is Ready in $((SECONDS - started))s; kubeconfig: $KUBECONFIG_FILE"
  if [ "${CLUSTER_DEPLOY:-1}" = 1 ]; then
    flock -u 9
    "$ROOT/scripts/cluster/deploy.sh"
  fi
}

main "$@"
