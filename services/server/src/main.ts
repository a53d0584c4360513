// The entry point. Telemetry starts before the wiring is imported, because the libraries it
// instruments (gRPC, pg, ioredis, http) must load after it.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { loadConfig } from '@everything/config';
import { runMain } from '@everything/lifecycle';
import { startTelemetry, telemetryEnv } from '@everything/telemetry';

runMain('server', async () => {
  const telemetry = await startTelemetry('server', loadConfig(telemetryEnv), [
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
  ]);
  const { serve } = await import('./serve.ts');
  await serve(telemetry);
});
