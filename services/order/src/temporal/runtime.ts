import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '@everything/logger';

const levels: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

let installed = false;

/**
 * Configures Temporal's process-wide runtime once, before any connection: its logs go through
 * the service's JSON logger, and it installs no signal handlers of its own, because the
 * service's Lifecycle owns shutdown and stops the worker in its turn.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const temporalLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(levels[logger.level] ?? 'ERROR', ({ level, message, meta }) => {
      const method =
        level === 'TRACE'
          ? 'trace'
          : level === 'DEBUG'
            ? 'debug'
            : level === 'INFO'
              ? 'info'
              : level === 'WARN'
                ? 'warn'
                : 'error';
      temporalLogger[method](meta ?? {}, message);
    }),
  });
}
