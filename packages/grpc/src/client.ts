import * as grpc from '@grpc/grpc-js';
import { HealthClient } from './health-client.ts';

/**
 * A call that finds its peer unreachable (UNAVAILABLE: the pod it was connected to is going
 * away in a rolling upgrade, a connection was reset) is tried again, up to five times in about
 * 1.5 s and always within its deadline, while the channel reconnects to another replica. Every
 * caller may be retried: reads are safe, and each write the server makes carries its
 * idempotency key (an order's key, a barista action's Update id) or refuses a repeat itself.
 */
export const retryPolicy = {
  maxAttempts: 5,
  initialBackoff: '0.1s',
  maxBackoff: '1s',
  backoffMultiplier: 2,
  retryableStatusCodes: ['UNAVAILABLE'],
};

/**
 * Channel options for calls to a peer service: keepalive pings find a frozen or vanished peer
 * within seconds instead of waiting for TCP to give up; the retry policy above for every method.
 */
export const channelOptions: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.service_config': JSON.stringify({ methodConfig: [{ name: [{}], retryPolicy }] }),
};

export const insecure = grpc.credentials.createInsecure;

export function deadlineIn(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}

/** Asks a peer's grpc.health.v1 service whether `service` ("" for the whole server) is serving. */
export function checkHealth(address: string, service = ''): HealthProbe {
  return new HealthProbe(address, service);
}

export class HealthProbe {
  readonly #client: InstanceType<typeof HealthClient>;
  readonly #service: string;

  constructor(address: string, service: string) {
    this.#client = new HealthClient(address, insecure(), channelOptions);
    this.#service = service;
  }

  /** 'SERVING', 'NOT_SERVING', 'UNKNOWN', or the reason the peer could not be asked. */
  status(timeoutMs: number): Promise<string> {
    return new Promise((resolve) => {
      this.#client.check({ service: this.#service }, deadlineIn(timeoutMs), (error, response) => {
        if (error) resolve(`UNREACHABLE (${grpc.status[error.code]})`);
        else resolve(response?.status ?? 'UNKNOWN');
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** A generated unary client method, seen through its last overload: (request, metadata, options, callback). */
type UnaryMethodOf<Method> = Method extends (
  request: infer Request,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: infer Response) => void,
) => grpc.ClientUnaryCall
  ? { request: Request; response: Response }
  : never;

export type UnaryRequest<Client, Name extends keyof Client> = UnaryMethodOf<
  Client[Name]
>['request'];
export type UnaryResponse<Client, Name extends keyof Client> = UnaryMethodOf<
  Client[Name]
>['response'];

export type UnaryMethodName<Client> = {
  [Name in keyof Client]: UnaryMethodOf<Client[Name]> extends never ? never : Name;
}[keyof Client];

/** Calls a generated client's unary method by name, as a promise with a deadline. */
export function callUnary<Client extends grpc.Client, Name extends UnaryMethodName<Client>>(
  client: Client,
  method: Name,
  request: UnaryRequest<Client, Name>,
  timeoutMs: number,
  metadata = new grpc.Metadata(),
): Promise<UnaryResponse<Client, Name>> {
  const invoke = client[method] as (...args: unknown[]) => grpc.ClientUnaryCall;
  return new Promise((resolve, reject) => {
    invoke.call(
      client,
      request,
      metadata,
      deadlineIn(timeoutMs),
      (error: grpc.ServiceError | null, response: UnaryResponse<Client, Name>) => {
        if (error) reject(error);
        else resolve(response);
      },
    );
  });
}
