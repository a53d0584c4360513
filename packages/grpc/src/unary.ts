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
    // Deadlines propagate: a call that waited in a busy process past its caller's deadline (or
    // whose caller went away) is not started, since its answer would be thrown away and its
    // work would only compete with calls whose callers still wait.
    if (call.cancelled || deadlinePassed(call.getDeadline())) {
      callback(
        new GrpcError(Status.DEADLINE_EXCEEDED, 'the deadline passed before the call started'),
      );
      return;
    }
    const nul = fieldWithNul(call.request);
    if (nul !== undefined) {
      callback(
        new GrpcError(Status.INVALID_ARGUMENT, `${nul}: must not contain the NUL character`),
      );
      return;
    }
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

const deadlinePassed = (deadline: grpc.Deadline) =>
  (deadline instanceof Date ? deadline.getTime() : deadline) <= Date.now();

/**
 * The path of the first string in a request that holds U+0000, which PostgreSQL's text cannot
 * store: refused here, at every service's door, rather than failing as an internal error deep
 * in a query (or, inside a workflow activity, retrying forever).
 */
export function fieldWithNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'request' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = fieldWithNul(item, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) {
      const found = fieldWithNul(item, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A classifier answering UNAVAILABLE (retry later) for the errors `matches` recognises. */
export function unavailableWhen(
  matches: (error: unknown) => boolean,
  message: string,
): ErrorClassifier {
  return (error) => (matches(error) ? new GrpcError(Status.UNAVAILABLE, message) : undefined);
}

/**
 * The handler factory of one service: every call first passes `guard` (which throws to shed
 * load, such as while the database is unreachable), and failures are classified by the
 * service's own domain errors first, then by the shared `classify`.
 */
export function guardedHandlers(
  logger: Logger,
  guard: () => void,
  classifiers: ErrorClassifier[],
): <Request, Response>(
  fn: (request: Request) => Promise<Response>,
) => grpc.handleUnaryCall<Request, Response> {
  const classify: ErrorClassifier = (error) => {
    for (const classifier of classifiers) {
      const known = classifier(error);
      if (known) return known;
    }
    return undefined;
  };
  return (fn) =>
    unary(
      logger,
      async (request) => {
        guard();
        return fn(request);
      },
      classify,
    );
}
