import { env } from '@everything/config';

/** Every service's telemetry variables; spread into its config shape. */
export const telemetryEnv = {
  /** The collector's OTLP gRPC endpoint. Unset: no span is recorded or sent (tracing off). */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url(['http', 'https']).optional(),
  METRICS_HOST: env.string().default('0.0.0.0'),
  /** Prometheus scrapes `/metrics` here; 0 picks a free port (tests running services side by side). */
  METRICS_PORT: env.int(0, 65_535).default(9464),
};
