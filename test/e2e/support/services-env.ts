import { randomUUID } from 'node:crypto';
import { serviceDatabase, stack } from '@everything/test-support';

const database = (user: 'order_service' | 'customer_service') => {
  const config = serviceDatabase(user);
  return {
    DB_HOST: config.DB_HOST,
    DB_PORT: String(config.DB_PORT),
    DB_NAME: config.DB_NAME,
    DB_USER: config.DB_USER,
    DB_PASSWORD: config.DB_PASSWORD,
  };
};

/**
 * The environment of each service run as a process on the test stack's servers, kept apart
 * from other tests by `run`: its own Kafka topics, consumer group, task queue and key prefixes.
 */
export function servicesEnv(
  run: string,
  ports: { server: number; order: number; customer: number },
) {
  const kafka = { KAFKA_BROKERS: stack.kafkaBroker, ORDER_EVENTS_TOPIC: `${run}.orders.v1` };
  return {
    customer: {
      ...database('customer_service'),
      ...kafka,
      ORDER_EVENTS_DLQ_TOPIC: `${run}.orders.v1.dlq`,
      CONSUMER_GROUP_ID: run,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(ports.customer),
    },
    order: {
      ...database('order_service'),
      ...kafka,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(ports.order),
      VALKEY_URL: stack.valkeyUrl,
      VALKEY_KEY_PREFIX: `${run}:order:`,
      CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: process.env.ENVIRONMENT ?? 'test',
      TEMPORAL_TASK_QUEUE: run,
    },
    server: {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(ports.server),
      ORDER_SERVICE_ADDRESS: `127.0.0.1:${ports.order}`,
      CUSTOMER_SERVICE_ADDRESS: `127.0.0.1:${ports.customer}`,
      VALKEY_URL: stack.valkeyUrl,
      VALKEY_KEY_PREFIX: `${run}:server:`,
      JWT_SECRET: randomUUID() + randomUUID(),
    },
  };
}

/**
 * What a browser test runs against: the three services as processes on ports of its own (the
 * test stack's plus `portOffset`, so browser suites never share a port), a run name keeping its
 * topics and keys apart, and a bootstrap admin the suite signs in as.
 */
export function browserTestSystem(name: string, portOffset: number) {
  const ports = {
    server: Number(process.env.SERVER_PORT ?? 28080) + portOffset,
    order: Number(process.env.ORDER_PORT ?? 25051) + portOffset,
    customer: Number(process.env.CUSTOMER_PORT ?? 25052) + portOffset,
  };
  const run = `${name}-${randomUUID().slice(0, 8)}`;
  const admin = { email: `${run}-admin@example.com`, password: 'admin password' };
  const services = servicesEnv(run, ports);
  const env = {
    ...services,
    server: {
      ...services.server,
      BOOTSTRAP_ADMIN_EMAIL: admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    },
  };
  return { ports, base: `http://127.0.0.1:${ports.server}`, run, admin, env };
}
