import * as grpc from '@grpc/grpc-js';
import { deadlineIn, isServiceError, Status } from '@everything/grpc';
import { Problem, problems } from '../problem.ts';

type UnaryInvocation<Response> = (
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: Response) => void,
) => grpc.ClientUnaryCall;

/**
 * Calls a peer's unary method with a deadline and turns its failure into the problem the
 * HTTP client should see: a peer that is down, overloaded or too slow is a 503, never a hang.
 */
export function callPeer<Response>(
  peer: string,
  invoke: UnaryInvocation<Response>,
  timeoutMs: number,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    invoke(new grpc.Metadata(), deadlineIn(timeoutMs), (error, response) => {
      if (error) reject(toProblem(peer, error));
      else resolve(response);
    });
  });
}

function toProblem(peer: string, error: unknown): Problem {
  if (!isServiceError(error)) return new Problem(500, 'internal', 'Internal error');
  switch (error.code) {
    case Status.UNAVAILABLE:
    case Status.DEADLINE_EXCEEDED:
    case Status.RESOURCE_EXHAUSTED:
    case Status.CANCELLED:
      return problems.serviceUnavailable(`The ${peer} service is unavailable; try again shortly.`);
    case Status.NOT_FOUND:
      return problems.notFound(error.details);
    case Status.INVALID_ARGUMENT:
      return new Problem(400, 'bad-request', 'Bad request', error.details);
    case Status.FAILED_PRECONDITION:
    case Status.ABORTED:
    case Status.ALREADY_EXISTS:
      return new Problem(409, 'conflict', 'Conflict', error.details);
    case Status.PERMISSION_DENIED:
      return new Problem(403, 'forbidden', 'Forbidden', error.details);
    case Status.UNAUTHENTICATED:
      return new Problem(401, 'unauthenticated', 'Unauthenticated', error.details);
    default:
      return new Problem(502, 'bad-gateway', 'Bad gateway', `The ${peer} service failed.`);
  }
}
