// The entry point. Telemetry starts before the wiring is imported, because the libraries it
// instruments (gRPC, pg, ioredis, http) must load after it.
import { loadConfig } from '@everything/config';
import { runMain } from '@everything/lifecycle';
import { startTelemetry, telemetryEnv } from '@everything/telemetry';

runMain('order', async () => {
  const telemetry = await startTelemetry('order', loadConfig(telemetryEnv));
  const { serve } = await import('./serve.ts');
  await serve(telemetry);
});
