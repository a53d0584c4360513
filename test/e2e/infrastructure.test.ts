// The stack that `make dev` and `make test` start is real: a Kafka broker that stores and
// delivers messages, and a Temporal frontend that reports healthy over grpc.health.v1.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  Admin,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { checkHealth } from '@everything/grpc';
import { stack } from '@everything/test-support';

test('Kafka stores a message with its key and headers and delivers it to a consumer group', async () => {
  const topic = `infra-check-${randomUUID()}`;
  const admin = new Admin({ clientId: 'infra-test', bootstrapBrokers: [stack.kafkaBroker] });
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  await admin.close();

  const producer = new Producer({
    clientId: 'infra-test',
    bootstrapBrokers: [stack.kafkaBroker],
    serializers: stringSerializers,
    idempotent: true,
  });
  await producer.send({
    messages: [
      {
        topic,
        key: 'order-1',
        value: '{"status":"placed"}',
        headers: { 'event-type': 'order.placed' },
      },
    ],
  });
  await producer.close();

  const consumer = new Consumer({
    groupId: `infra-test-${randomUUID()}`,
    clientId: 'infra-test',
    bootstrapBrokers: [stack.kafkaBroker],
    deserializers: stringDeserializers,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true });
  try {
    for await (const message of stream) {
      assert.equal(message.key, 'order-1');
      assert.equal(message.value, '{"status":"placed"}');
      assert.equal(message.headers.get('event-type'), 'order.placed');
      break;
    }
  } finally {
    await stream.close();
    await consumer.close(true);
  }
});

test('the Temporal frontend reports SERVING', async () => {
  const probe = checkHealth(
    stack.temporalAddress,
    'temporal.api.workflowservice.v1.WorkflowService',
  );
  assert.equal(await probe.status(2_000), 'SERVING');
  probe.close();
});
