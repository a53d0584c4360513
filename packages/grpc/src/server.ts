import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { measureCalls } from './metrics.ts';

export interface ServiceRegistration {
  /** Fully qualified name, such as everything.order.v1.MenuService: the name health checks use. */
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface GrpcServer {
  server: grpc.Server;
  /** Reports every registered service, and the server as a whole (""), as serving or not. */
  readonly setServing: (serving: boolean) => void;
  listen(host: string, port: number): Promise<number>;
  /** Refuses new calls, lets in-flight calls finish, and cancels what remains after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * A gRPC server that speaks the standard health protocol (grpc.health.v1, which Kubernetes'
 * native gRPC probes call) and server reflection (so grpcurl works without the .proto files).
 * It starts NOT_SERVING: the caller says when its dependencies are ready.
 */
export function createGrpcServer(
  services: ServiceRegistration[],
  protos: { root: string; files: string[] },
): GrpcServer {
  const server = new grpc.Server({
    // Notice dead clients and let idle connections go, so a frozen peer does not pin resources.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_connection_idle_ms': 300_000,
    interceptors: [measureCalls],
  });
  for (const { definition, implementation } of services)
    server.addService(definition, implementation);

  const names = ['', ...services.map((service) => service.name)];
  const health = new HealthImplementation(
    Object.fromEntries(names.map((name) => [name, 'NOT_SERVING'])),
  );
  health.addToServer(server);

  const described = protoLoader.loadSync([...protos.files, healthProtoPath], {
    includeDirs: [protos.root],
  });
  new ReflectionService(described).addToServer(server);

  return {
    server,
    setServing: (serving) => {
      for (const name of names) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
    },
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.bindAsync(
          `${host}:${port}`,
          grpc.ServerCredentials.createInsecure(),
          (error, bound) => (error ? reject(error) : resolve(bound)),
        );
      });
    },
    async stop(graceMs) {
      const timer = setTimeout(() => server.forceShutdown(), graceMs);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      clearTimeout(timer);
    },
  };
}
