#!/usr/bin/env bash
# Prometheus from Debian's package, scraping the three services' /metrics on loopback with the
# project's alerting rules loaded, as kube-prometheus-stack does in the cluster. `install` also
# brings promtool, which `make test` uses to check the rules.
# Usage: prometheus.sh install|start|stop   (start: make dev, after the services)
source "$(dirname "$0")/../lib.sh"

RULES="$ROOT/k8s/charts/monitoring-extras/rules/everything.rules.yaml"

install() { command -v prometheus >/dev/null && command -v promtool >/dev/null || apt_ensure prometheus; }

start() {
  install
  is_running prometheus && { log prometheus "already running"; return; }
  port_in_use "$PROMETHEUS_PORT" && die "port $PROMETHEUS_PORT is taken; set PROMETHEUS_PORT to a free port"
  local dir="$STACK_DIR/prometheus"
  mkdir -p "$dir/data"
  # Job names as the ServiceMonitors give them in the cluster, so dashboards and rules match.
  cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - $RULES
scrape_configs:
  - job_name: server
    static_configs: [{ targets: ['127.0.0.1:$SERVER_METRICS_PORT'] }]
  - job_name: order
    static_configs: [{ targets: ['127.0.0.1:$ORDER_METRICS_PORT'] }]
  - job_name: customer
    static_configs: [{ targets: ['127.0.0.1:$CUSTOMER_METRICS_PORT'] }]
YAML
  start_daemon prometheus prometheus --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --enable-feature=exemplar-storage
  wait_for_port prometheus "$PROMETHEUS_PORT" 30
}

stop() { stop_daemon prometheus; }

"${1:?usage: prometheus.sh install|start|stop}"
