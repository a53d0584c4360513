import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout, one object a line, for the cluster's log collector. Credentials that
 * slip into a logged object are blanked rather than trusted never to be logged. A line written
 * inside a span carries its trace_id and span_id, so logs and traces join up.
 */
export function createLogger(service: string, level: LevelWithSilent): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span && isSpanContextValid(span)
        ? { trace_id: span.traceId, span_id: span.spanId, trace_flags: span.traceFlags }
        : {};
    },
    redact: {
      paths: [
        'password',
        '*.password',
        'DB_PASSWORD',
        '*.DB_PASSWORD',
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
