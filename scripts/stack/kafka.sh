#!/usr/bin/env bash
# Apache Kafka, single node in KRaft mode (broker and controller in one JVM), from its jars on
# Maven Central (scripts/kafka/pom.xml pins the version). Usage: kafka.sh install|start|stop
source "$(dirname "$0")/../lib.sh"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"

install() {
  [ -f "$LIBS/.complete" ] && return 0
  command -v java >/dev/null || apt_ensure openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_ensure maven
  log kafka "resolving Apache Kafka $KAFKA_VERSION from Maven Central"
  rm -rf "$LIBS"
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LIBS" -DincludeScope=runtime
  touch "$LIBS/.complete"
}

JAVA_CMD=(java -Xms128m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.yaml" -cp "$LIBS/*")
kafka_java() { "${JAVA_CMD[@]}" "$@"; }

start() {
  install
  is_running kafka && { log kafka "already running"; return; }
  port_in_use "$KAFKA_PORT" && die "port $KAFKA_PORT is taken; set KAFKA_PORT to a free port"
  local dir="$STACK_DIR/kafka"
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  if [ ! -f "$dir/data/meta.properties" ]; then
    kafka_java kafka.tools.StorageTool format --config "$dir/server.properties" \
      --cluster-id "$(kafka_java kafka.tools.StorageTool random-uuid)" --ignore-formatted >/dev/null
  fi
  start_daemon kafka "${JAVA_CMD[@]}" kafka.Kafka "$dir/server.properties"
}

# The port opens before the broker has registered with its controller; a metadata request
# through Kafka's own admin tool is the real readiness check.
wait_ready() {
  wait_for_port kafka "$KAFKA_PORT" 90
  for _ in $(seq 1 30); do
    if kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --list >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "kafka accepts connections on $KAFKA_PORT but answers no metadata request; see $STACK_DIR/logs/kafka.log"
}

stop() { stop_daemon kafka 60; }

"${1:?usage: kafka.sh install|start|wait_ready|stop}"
