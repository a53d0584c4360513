import * as grpc from '@grpc/grpc-js';

/** An error a handler returns on purpose, carrying the status code the caller should see. */
export class GrpcError extends Error implements Partial<grpc.ServiceError> {
  override name = 'GrpcError';
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata = new grpc.Metadata();

  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
    this.details = message;
  }
}

export function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === 'number';
}

export const Status = grpc.status;
