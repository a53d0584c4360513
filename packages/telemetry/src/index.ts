export { telemetryEnv } from './env.ts';
export {
  logTelemetryProblems,
  startTelemetry,
  type Telemetry,
  type TelemetryConfig,
} from './telemetry.ts';
