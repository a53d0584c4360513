import type * as grpc from '@grpc/grpc-js';
import {
  callUnary,
  isServiceError,
  Status,
  type UnaryMethodName,
  type UnaryRequest,
  type UnaryResponse,
} from '@everything/grpc';
import { Problem, problems } from '../problem.ts';

/** How a route turns a peer's refusal into its own problem; undefined falls back to the defaults. */
export type Refusal = (error: grpc.ServiceError) => Problem | undefined;

/**
 * Calls a peer's unary method with a deadline and turns its failure into the problem the
 * HTTP client should see: a peer that is down, overloaded or too slow is a 503, never a hang.
 */
export async function callPeer<Client extends grpc.Client, Name extends UnaryMethodName<Client>>(
  peer: string,
  client: Client,
  method: Name,
  request: UnaryRequest<Client, Name>,
  timeoutMs: number,
  refusal?: Refusal,
): Promise<UnaryResponse<Client, Name>> {
  try {
    return await callUnary(client, method, request, timeoutMs);
  } catch (error) {
    if (!isServiceError(error)) throw error;
    throw refusal?.(error) ?? toProblem(peer, error);
  }
}

/** "field: message" details, as every service writes them for INVALID_ARGUMENT. */
export function fieldError(details: string): { field: string; message: string } {
  const match = /^([\w.[\]]+): (.*)$/s.exec(details);
  return match
    ? { field: match[1] ?? '', message: match[2] ?? details }
    : { field: 'body', message: details };
}

function toProblem(peer: string, error: grpc.ServiceError): Problem {
  switch (error.code) {
    case Status.UNAVAILABLE:
    case Status.DEADLINE_EXCEEDED:
    case Status.RESOURCE_EXHAUSTED:
    case Status.CANCELLED:
      return problems.serviceUnavailable(`The ${peer} service is unavailable; try again shortly.`);
    case Status.NOT_FOUND:
      return problems.notFound(error.details);
    case Status.INVALID_ARGUMENT:
      return problems.validation([fieldError(error.details)]);
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
