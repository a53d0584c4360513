import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '@everything/logger';
import { GrpcError, Status } from './errors.ts';

/** Turns an error a handler did not expect into the status its caller sees, or undefined. */
export type ErrorClassifier = (error: unknown) => GrpcError | undefined;

/**
 * Adapts an async handler to grpc-js's callback style. Deliberate GrpcErrors pass through,
 * `classify` maps known failures (an unreachable database → UNAVAILABLE), and anything else
 * is logged and answered INTERNAL without leaking its message.
 */
export function unary<Request, Response>(
  logger: Logger,
  handle: (request: Request, call: grpc.ServerUnaryCall<Request, Response>) => Promise<Response>,
  classify: ErrorClassifier = () => undefined,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    handle(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const known = error instanceof GrpcError ? error : classify(error);
        if (known) {
          callback(known);
          return;
        }
        logger.error({ err: error, method: call.getPath() }, 'unexpected error in gRPC handler');
        callback(new GrpcError(Status.INTERNAL, 'internal error'));
      },
    );
  };
}

/** A classifier answering UNAVAILABLE (retry later) for the errors `matches` recognises. */
export function unavailableWhen(
  matches: (error: unknown) => boolean,
  message: string,
): ErrorClassifier {
  return (error) => (matches(error) ? new GrpcError(Status.UNAVAILABLE, message) : undefined);
}
