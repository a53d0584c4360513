import { z } from 'zod';
import { env } from '@everything/config';
import { valkeyEnv } from '@everything/valkey';
import { telemetryEnv } from '@everything/telemetry/env';

export const ORDER_PLACEMENT_DEFAULTS = {
  ORDER_PLACEMENT_CONCURRENCY: 16,
  ORDER_PLACEMENT_QUEUE: 64,
  ORDER_PLACEMENT_MAX_WAIT_MS: 2_000,
};

export const serverConfigShape = {
  HTTP_HOST: env.string().default('0.0.0.0'),
  HTTP_PORT: env.port().default(8080),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.int(1_000, 120_000).default(10_000),
  /** The seed's DNS names, such as order.staging.svc.cluster.local:50051. */
  ORDER_SERVICE_ADDRESS: env.address(),
  CUSTOMER_SERVICE_ADDRESS: env.address(),
  /** Deadline of every call to a peer service: a slow peer answers 503, it never hangs a request. */
  UPSTREAM_TIMEOUT_MS: env.int(100, 30_000).default(2_000),
  /**
   * Deadline of an order action (accept, decline, ready, pickup, cancel). An action is applied by
   * the order's workflow, durably and once per Idempotency-Key, so it is worth waiting for: while
   * the order service's worker moves to another pod (a rolling upgrade, a crash), the action
   * waits for the next worker instead of answering 503 for work that then happens anyway.
   */
  ORDER_ACTION_TIMEOUT_MS: env.int(100, 60_000).default(10_000),
  /**
   * Admission control of order placement, per replica: calls to the order service at once,
   * calls that may wait for one, and how long they may wait. Beyond, 503 + Retry-After before
   * anything is done. A placement spends most of its time waiting for Temporal's start, not
   * holding a database connection: `make bench` placed 22 orders a second with 8 at once (and
   * refused some after the 2 s wait), 25 with 16 and none refused. 64 waiting at about 25
   * placements a second is under three seconds; the 2 s wait refuses the rest.
   */
  ORDER_PLACEMENT_CONCURRENCY: env
    .int(1, 256)
    .default(ORDER_PLACEMENT_DEFAULTS.ORDER_PLACEMENT_CONCURRENCY),
  ORDER_PLACEMENT_QUEUE: env.int(0, 10_000).default(ORDER_PLACEMENT_DEFAULTS.ORDER_PLACEMENT_QUEUE),
  ORDER_PLACEMENT_MAX_WAIT_MS: env
    .int(0, 60_000)
    .default(ORDER_PLACEMENT_DEFAULTS.ORDER_PLACEMENT_MAX_WAIT_MS),
  /**
   * Proxies in front of the server whose X-Forwarded-For entries are trusted for the client's
   * address (per-IP rate limits). 0 trusts none: anyone could claim any address.
   */
  TRUST_PROXY_HOPS: env.int(0, 10).default(0),
  /** HMAC key for the access tokens and display keys (HS256); at least 32 characters. */
  JWT_SECRET: env.string().min(32, 'must have at least 32 characters'),
  ACCESS_TOKEN_TTL_SECONDS: env.int(60, 86_400).default(900),
  /** A session's whole life from sign-in: refreshing rotates its token but never extends it. */
  REFRESH_TOKEN_TTL_SECONDS: env.int(300, 90 * 86_400).default(14 * 86_400),
  /** The first admin, created at start-up when both are set and no account has the email. */
  BOOTSTRAP_ADMIN_EMAIL: z.email('must be an email address').optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().min(8, 'must have at least 8 characters').optional(),
  /** Requests a signed-in user, or an anonymous IP address, may make per minute. */
  RATE_LIMIT_PER_MINUTE: env.int(1, 100_000).default(300),
  /** Sign-in and sign-up attempts per IP address per minute. */
  AUTH_RATE_LIMIT_PER_MINUTE: env.int(1, 10_000).default(20),
  ...valkeyEnv,
  ...telemetryEnv,
};
