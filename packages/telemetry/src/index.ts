export { telemetryEnv } from './env.ts';
export { startTelemetry, type Telemetry, type TelemetryConfig } from './telemetry.ts';
