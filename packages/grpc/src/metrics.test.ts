import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';

class CollectingReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

// The instruments are created when the module loads: the meter provider must be in place first.
const reader = new CollectingReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const { measureCalls } = await import('./metrics.ts');

const method = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: (value) => value,
  requestDeserialize: (bytes) => bytes,
  responseSerialize: (value) => value,
  responseDeserialize: (bytes) => bytes,
});
const definition = {
  Ok: method('/test.v1.Demo/Ok'),
  Missing: method('/test.v1.Demo/Missing'),
};
const health = { Check: method('/grpc.health.v1.Health/Check') };

const server = new grpc.Server({ interceptors: [measureCalls] });
let client: grpc.Client;
const call = (path: string) =>
  new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest(
      path,
      (value: Buffer) => value,
      (bytes: Buffer) => bytes,
      Buffer.alloc(0),
      (error) => resolve(error),
    ),
  );

before(async () => {
  server.addService(definition, {
    Ok: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
    Missing: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) =>
      callback({ code: grpc.status.NOT_FOUND, details: 'no such thing' }),
  });
  server.addService(health, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, Buffer.alloc(0)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});
after(() => {
  client.close();
  server.forceShutdown();
});

test('every call is measured with its method and final status code; probes are not', async () => {
  assert.equal(await call('/test.v1.Demo/Ok'), null);
  assert.equal((await call('/test.v1.Demo/Missing'))?.code, grpc.status.NOT_FOUND);
  assert.equal((await call('/test.v1.Demo/Missing'))?.code, grpc.status.NOT_FOUND);
  assert.equal(await call('/grpc.health.v1.Health/Check'), null);

  const { resourceMetrics } = await reader.collect();
  const histogram = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((data) => data.descriptor.name === 'rpc.server.call.duration') as
    HistogramMetricData | undefined;
  assert.ok(histogram, 'rpc.server.call.duration was not recorded');
  const counts = histogram.dataPoints.map((point) => ({
    service: point.attributes['rpc.service'],
    method: point.attributes['rpc.method'],
    code: point.attributes['rpc.grpc.status_code'],
    count: point.value.count,
  }));
  assert.deepEqual(
    counts.sort((a, b) => String(a.method).localeCompare(String(b.method))),
    [
      { service: 'test.v1.Demo', method: 'Missing', code: grpc.status.NOT_FOUND, count: 2 },
      { service: 'test.v1.Demo', method: 'Ok', code: grpc.status.OK, count: 1 },
    ],
  );
});
