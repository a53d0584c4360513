import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { startTelemetry } from './telemetry.ts';

test('without an endpoint nothing is recorded, /metrics serves, and libraries loaded later are instrumented', async () => {
  const telemetry = await startTelemetry('telemetry-test', {
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: 0,
  });
  try {
    assert.equal(telemetry.tracing, false);
    const span = trace.getTracer('test').startSpan('work');
    assert.equal(span.isRecording(), false);
    span.end();

    const response = await fetch(`http://127.0.0.1:${telemetry.metricsPort}/metrics`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /target_info\{[^}]*service_name="telemetry-test"/);
    assert.equal((await fetch(`http://127.0.0.1:${telemetry.metricsPort}/other`)).status, 404);

    // The services import gRPC (ESM) after telemetry started: the import hook must patch it.
    const grpc = await import('@grpc/grpc-js');
    assert.equal(
      (grpc.Server.prototype.register as { __wrapped?: boolean }).__wrapped,
      true,
      '@grpc/grpc-js imported after start is not instrumented',
    );
  } finally {
    await telemetry.shutdown();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${telemetry.metricsPort}/metrics`));
});
