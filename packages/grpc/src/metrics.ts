import * as grpc from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';

const duration = metrics.getMeter('everything.grpc').createHistogram('rpc.server.call.duration', {
  description: 'Duration of gRPC calls this server answered, by method and status code',
  unit: 's',
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
});

// Probes and reflection would drown the request rate of the services that matter.
const unmeasured = /^\/grpc\.(health|reflection)\./;

/**
 * RED metrics of a gRPC server (the OpenTelemetry gRPC instrumentation records spans only):
 * every call's duration with its method and final status code, so rate, errors and latency
 * come from one histogram.
 */
export const measureCalls: grpc.ServerInterceptor = (method, call) => {
  if (unmeasured.test(method.path)) return new grpc.ServerInterceptingCall(call);
  const started = performance.now();
  const [, service = '', name = ''] = /^\/([^/]+)\/(.+)$/.exec(method.path) ?? [];
  return new grpc.ServerInterceptingCall(call, {
    sendStatus: (status, next) => {
      duration.record((performance.now() - started) / 1_000, {
        'rpc.system': 'grpc',
        'rpc.service': service,
        'rpc.method': name,
        'rpc.grpc.status_code': status.code,
      });
      next(status);
    },
  });
};
