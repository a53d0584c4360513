export { telemetryEnv } from './env.ts';
export {
  adoptTelemetry,
  startTelemetry,
  type Telemetry,
  type TelemetryConfig,
} from './telemetry.ts';
