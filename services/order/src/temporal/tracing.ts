import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry-v2';
import type { Telemetry } from '@everything/telemetry';

/**
 * Carries the trace through Temporal: the client puts the caller's context into the workflow's
 * headers, the workflow's spans (exported through a sink, since the sandbox has no I/O) and its
 * activities continue it, so an order's workflow hangs under the request that placed it.
 */
export function temporalTracing(
  telemetry: Pick<Telemetry, 'resource' | 'spanProcessor'>,
): OpenTelemetryPlugin {
  return new OpenTelemetryPlugin({
    // Typed against OpenTelemetry SDK 2, whose Resource the SDK 3 one still fulfils.
    resource: telemetry.resource as never,
    spanProcessor: telemetry.spanProcessor,
  });
}

/**
 * The same plugin as the bundler sees it, for bundling ahead of time: bundling takes only its
 * workflow interceptor modules, never the exporter, so none is given.
 */
export function temporalTracingForBundling(): OpenTelemetryPlugin {
  return new OpenTelemetryPlugin({
    resource: undefined as never,
    spanProcessor: undefined as never,
  });
}
