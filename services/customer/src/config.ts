import { env } from '@everything/config';
import { postgresEnv } from '@everything/postgres';
import { telemetryEnv } from '@everything/telemetry/env';

export const customerConfigShape = {
  GRPC_HOST: env.string().default('0.0.0.0'),
  GRPC_PORT: env.port().default(50051),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(1_000, 120_000).default(10_000),
  /** The most a customer may owe before new orders are refused (default 100.00). */
  TAB_LIMIT_CENTS: env.int(0, 1_000_000).default(10_000),
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: env
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/, 'must be host:port[,host:port…]'),
  /** The order service's events, named per environment, such as staging.orders.v1. */
  ORDER_EVENTS_TOPIC: env.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a Kafka topic name'),
  /** Where events that can never be applied go, with the reason, such as staging.orders.v1.dlq. */
  ORDER_EVENTS_DLQ_TOPIC: env.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a Kafka topic name'),
  CONSUMER_GROUP_ID: env.string().default('customer-service'),
  ...postgresEnv,
  ...telemetryEnv,
};
