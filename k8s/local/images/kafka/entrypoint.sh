#!/bin/sh
# One combined broker and controller. KAFKA_ADVERTISED_HOST: the name clients connect back to;
# KAFKA_TOPICS: "name:partitions ..." created once the broker answers (auto-creation is off).
set -eu
set -f # the class path below is a java wildcard, not a shell glob
data=/var/lib/kafka
java_cmd="java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx256m} -XX:+UseSerialGC -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/log4j2.yaml -cp /opt/kafka/libs/*"
cat >/tmp/server.properties <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST:?}:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
if [ ! -f "$data/meta.properties" ]; then
  $java_cmd kafka.tools.StorageTool format --config /tmp/server.properties \
    --cluster-id "$($java_cmd kafka.tools.StorageTool random-uuid)" --ignore-formatted >/dev/null
fi
(
  for _ in $(seq 1 120); do
    $java_cmd org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list >/dev/null 2>&1 && break
    sleep 2
  done
  for topic in ${KAFKA_TOPICS:-}; do
    $java_cmd org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --create --if-not-exists \
      --topic "${topic%%:*}" --partitions "${topic##*:}" --replication-factor 1 >/dev/null
  done
  echo "topics ready: ${KAFKA_TOPICS:-none}"
  touch /tmp/topics-ready
) &
exec $java_cmd kafka.Kafka /tmp/server.properties
