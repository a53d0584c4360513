import { env } from '@everything/config';
import { postgresEnv } from '@everything/postgres';
import { telemetryEnv } from '@everything/telemetry/env';
import { parseAllowedOrigins } from './push/push-endpoint.ts';

const base64urlOfBytes = (bytes: number, what: string) =>
  env
    .string()
    .refine(
      (value) => /^[A-Za-z0-9_-]+$/.test(value) && Buffer.from(value, 'base64url').length === bytes,
      `must be ${what}, base64url without padding`,
    );

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
  /**
   * Web Push (RFC 8292): the VAPID key pair, such as from `npx web-push generate-vapid-keys`.
   * Unset, the service sends no notifications and the push routes answer 503.
   */
  VAPID_PUBLIC_KEY: base64urlOfBytes(65, 'an uncompressed P-256 public key (65 bytes)').optional(),
  VAPID_PRIVATE_KEY: base64urlOfBytes(32, 'a P-256 private key (32 bytes)').optional(),
  /** The order service's ORDER_PICKUP_TIMEOUT_SECONDS: when a ready order expires. */
  ORDER_PICKUP_TIMEOUT_SECONDS: env.int(1, 86_400).default(1_800),
  /** A customer is reminded ("expiring soon") this long before their ready order expires. */
  PICKUP_REMINDER_MINUTES: env.int(1, 240).default(5),
  /** A contact for the push services: mailto: or https:. */
  VAPID_SUBJECT: env
    .string()
    .regex(/^(mailto:.+@.+|https:\/\/.+)$/, 'must be a mailto: or https: URL')
    .default('mailto:admin@everything.local'),
  /** Comma-separated https origins push endpoints may have; overrides the known push services. */
  WEB_PUSH_ALLOWED_ORIGINS: env
    .string()
    .refine(
      (value) =>
        parseAllowedOrigins(value).every((origin) =>
          /^https:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(origin),
        ),
      'must be comma-separated https origins, such as https://fcm.googleapis.com',
    )
    .optional(),
  ...postgresEnv,
  ...telemetryEnv,
};
