#!/usr/bin/env bash
# `make cluster-down`: stops what up.sh started, by PID, in reverse order, and undoes every host
# change it made (iptables chains, ipsets, the bridge, mounts, cgroups, the hugetlb mount,
# kernel settings). Safe to run twice, or when nothing runs.
# The built binaries and podman's images stay cached; containerd's image store stays in
# .dev/cluster/containerd so that the next cluster-up need not import them again.
source "$(dirname "$0")/lib.sh"

mkdir -p "$CLUSTER_DIR"
exec 9>"$CLUSTER_DIR/.lock"
flock -w 600 9 || die "another make cluster-up or cluster-down is still running"

CLUSTER_BIN=$(cluster_bin_dir)

# Workloads first, while the kubelet still runs: it tears down their networks and volumes.
if is_running kube-apiserver && is_running kubelet && [ -x "$CLUSTER_BIN/kubectl" ]; then
  log cluster "deleting the workloads (the kubelet unmounts their volumes and networks)"
  namespaces=$(kubectl_ get namespaces -o name 2>/dev/null | sed 's:namespace/::' |
    grep -vxE 'default|kube-system|kube-public|kube-node-lease' || true)
  for ns in $namespaces; do kubectl_ delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  kubectl_ -n kube-system delete deployment --all --wait=false >/dev/null 2>&1 || true
  kubectl_ delete pods --all -A --grace-period=5 --timeout=60s >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    [ -z "$(ctr_ tasks list -q 2>/dev/null)" ] && break
    sleep 1
  done
fi

# Newest first (stop_daemon's own loop counter is global, so no index loop here).
for daemon in $(printf '%s\n' "${CLUSTER_DAEMONS[@]}" | tac); do
  if [ "$daemon" = containerd ] && is_running containerd; then
    # Whatever the kubelet did not stop: kill the tasks, then their shims go with containerd.
    for task in $(ctr_ tasks list -q 2>/dev/null); do ctr_ tasks kill -s KILL "$task" >/dev/null 2>&1 || true; done
    sleep 1
    for task in $(ctr_ tasks list -q 2>/dev/null); do ctr_ tasks delete -f "$task" >/dev/null 2>&1 || true; done
    for container in $(ctr_ containers list -q 2>/dev/null); do ctr_ containers delete "$container" >/dev/null 2>&1 || true; done
  fi
  is_running "$daemon" && log cluster "stopping $daemon"
  stop_daemon "$daemon" 20
done
# The runc shims of our containerd (their command line names our socket): none may outlive it.
pkill -KILL -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" 2>/dev/null || true

# iptables: every chain Kubernetes, the CNI plugins and kube-router created, and the jumps to them.
for cmd in iptables ip6tables; do
  command -v "$cmd-save" >/dev/null || continue
  # Read whole first: `save | grep -q` would end save early, which pipefail counts as a failure.
  rules=$("$cmd-save" 2>/dev/null || true)
  if grep -qE 'KUBE-|CNI-|kube-router' <<<"$rules"; then
    grep -vE 'KUBE-|CNI-|kube-router' <<<"$rules" | "$cmd-restore" || log cluster "could not clean $cmd"
  fi
done
if command -v ipset >/dev/null; then
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router|inet6:KUBE-)' || true); do
    ipset destroy "$set" 2>/dev/null || true
  done
fi

# Pod network namespaces and mounts left under the cluster's folder (volumes, rootfs, netns).
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
{ findmnt -rn -o TARGET | grep -E "^($CLUSTER_DIR|/run/netns/cni-|/var/run/netns/cni-)" || true; } | sort -r |
  while read -r target; do umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true; done

# The kubelet's cgroups (kubepods, and what it made for the pods in them), deepest first.
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [ -d "$hierarchy/kubepods" ] || [ -d "$hierarchy/kubepods.slice" ] || continue
  find "$hierarchy"kubepods* -depth -type d -exec rmdir {} \; 2>/dev/null || true
done

# The host changes of up.sh, newest first.
if [ -f "$HOST_CHANGES" ]; then
  tac "$HOST_CHANGES" | while read -r kind what old; do
    case "$kind" in
      sysctl) echo "$old" >"/proc/sys/${what//.//}" 2>/dev/null || log cluster "could not restore $what" ;;
      mount) umount "$what" 2>/dev/null && rmdir "$what" 2>/dev/null || log cluster "could not unmount $what" ;;
      propagation) mount "--make-r$old" "$what" 2>/dev/null || log cluster "could not make $what $old again" ;;
      bridge) ip link delete "$what" 2>/dev/null || true ;;
    esac
  done
  rm -f "$HOST_CHANGES"
fi

# State of this run; the image store stays (see the header).
rm -rf "$CLUSTER_DIR/etcd" "$CLUSTER_DIR/kubelet" "$CLUSTER_DIR/cni" "$CLUSTER_DIR/containerd/state" \
  "$CLUSTER_DIR/run" "$CLUSTER_DIR/pki" "$KUBECONFIG_FILE"
log cluster "the local cluster is stopped and the host changes are undone"
