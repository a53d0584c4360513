export { createGrpcServer, type GrpcServer, type ServiceRegistration } from './server.ts';
export { GrpcError, isServiceError, Status } from './errors.ts';
export {
  callUnary,
  channelOptions,
  checkHealth,
  deadlineIn,
  HealthProbe,
  insecure,
  type UnaryMethodName,
  type UnaryRequest,
  type UnaryResponse,
} from './client.ts';
export { guardedHandlers, unary, unavailableWhen, type ErrorClassifier } from './unary.ts';
