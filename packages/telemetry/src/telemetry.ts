import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, diag, DiagLogLevel, metrics, propagation, trace } from '@opentelemetry/api';
import { register as registerImportHooks } from 'import-in-the-middle/register-hooks.mjs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  AlwaysOnSampler,
  TracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '@everything/logger';

export interface TelemetryConfig {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  METRICS_HOST: string;
  METRICS_PORT: number;
}

export interface Telemetry {
  /** False without an endpoint: no span is recorded or sent. */
  readonly tracing: boolean;
  /** Where spans go; Temporal's workflow sandbox exports its spans through it too. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** The port `/metrics` listens on. */
  readonly metricsPort: number;
  /** Flushes pending spans and closes `/metrics`. */
  shutdown(): Promise<void>;
}

const quietPaths = new Set(['/metrics', '/healthz', '/readyz']);

// The libraries these instrumentations patch; only they pass through the import hook.
const instrumentedModules = ['@grpc/grpc-js', 'pg', 'pg-pool', 'ioredis', 'http', 'https'];

/**
 * Starts OpenTelemetry for a service: spans over OTLP gRPC to the collector, metrics on a
 * Prometheus `/metrics` endpoint, W3C trace context on every hop. It must run before the
 * instrumented libraries (gRPC, pg, ioredis, http) are imported, so a service's main imports
 * its wiring only after this resolved.
 */
export async function startTelemetry(
  service: string,
  config: TelemetryConfig,
  instrumentations: Instrumentation[] = [],
): Promise<Telemetry> {
  registerImportHooks({ include: instrumentedModules });
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracing = endpoint !== undefined;
  const resource = defaultResource().merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
  );
  const spanProcessor: SpanProcessor = tracing
    ? new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: endpoint }),
        scheduledDelayMillis: 1_000,
      })
    : new NoopSpanProcessor();

  // Only the providers used, wired by hand: NodeSDK would load every OTLP exporter (traces,
  // metrics and logs, over gRPC, HTTP and protobuf) and start a log exporter nobody reads.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
  metrics.setGlobalMeterProvider(meterProvider);
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [spanProcessor],
    // Without an endpoint nothing is recorded, yet incoming trace context still passes through.
    sampler: tracing
      ? new ParentBasedSampler({ root: new AlwaysOnSampler() })
      : new AlwaysOffSampler(),
  });
  trace.setGlobalTracerProvider(tracerProvider);
  registerInstrumentations({
    tracerProvider,
    meterProvider,
    instrumentations: [
      // Probes and scrapes every few seconds would drown the orders' traces.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => quietPaths.has(request.url?.split('?')[0] ?? ''),
      }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      ...instrumentations,
    ],
  });
  const metricsServer = createServer((request, response) => {
    if (request.url?.split('?')[0] === '/metrics') {
      prometheus.getMetricsRequestHandler(request, response);
    } else {
      response.writeHead(404).end();
    }
  });
  metricsServer.listen(config.METRICS_PORT, config.METRICS_HOST);
  await once(metricsServer, 'listening');
  const metricsPort = (metricsServer.address() as AddressInfo).port;
  return {
    tracing,
    spanProcessor,
    resource,
    metricsPort,
    async shutdown() {
      metricsServer.close();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      contextManager.disable();
    },
  };
}

/**
 * Hands telemetry started before the wiring to the service's shutdown and log: it stops last
 * (registered first), so the spans of the shutdown still leave, and its own problems are logged.
 */
export function adoptTelemetry(
  telemetry: Telemetry,
  service: { logger: Logger; lifecycle: { onStop(name: string, stop: () => Promise<void>): void } },
): void {
  service.lifecycle.onStop('telemetry', () => telemetry.shutdown());
  logTelemetryProblems(service.logger);
  service.logger.info(
    { tracing: telemetry.tracing, metricsPort: telemetry.metricsPort },
    'telemetry started',
  );
}

/**
 * Sends OpenTelemetry's own warnings and errors (an unreachable collector, spans dropped) to the
 * service's log, where an operator looks when traces are missing.
 */
function logTelemetryProblems(logger: Logger): void {
  const log = logger.child({ component: 'telemetry' });
  const quiet = () => undefined;
  diag.setLogger(
    {
      error: (message, ...details) => log.error({ details: details.map(String) }, message),
      warn: (message, ...details) => log.warn({ details: details.map(String) }, message),
      info: quiet,
      debug: quiet,
      verbose: quiet,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}
