export { createGrpcServer, type GrpcServer, type ServiceRegistration } from './server.ts';
export { GrpcError, isServiceError, Status } from './errors.ts';
export { channelOptions, checkHealth, deadlineIn, HealthProbe, insecure } from './client.ts';
export { unary, unavailableWhen, type ErrorClassifier } from './unary.ts';
