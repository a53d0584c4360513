import type { Logger } from '@everything/logger';

type Stop = () => Promise<void> | void;

/**
 * The one owner of a process's shutdown. Each resource registers how to stop right after it
 * has started; on SIGTERM or SIGINT readiness goes false first, then the resources stop in
 * reverse order of start (servers drain before the pools they use close), all within one
 * time budget. The exit code tells whether everything stopped cleanly.
 */
export class Lifecycle {
  #stops: { name: string; stop: Stop }[] = [];
  #stopping: Promise<number> | undefined;
  readonly #logger: Logger;
  readonly #timeoutMs: number;

  constructor(logger: Logger, timeoutMs: number) {
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
  }

  /** False once shutdown has begun: readiness probes report it so traffic moves away. */
  get accepting(): boolean {
    return this.#stopping === undefined;
  }

  onStop(name: string, stop: Stop): void {
    this.#stops.push({ name, stop });
  }

  /** Stops on the first SIGTERM or SIGINT, then exits with the shutdown's result. */
  stopOnSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    const handler = (signal: NodeJS.Signals) => {
      this.#logger.info({ signal }, 'shutting down');
      void this.stop().then(exit);
    };
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }

  /** Idempotent: later calls wait for the first shutdown. Resolves to the exit code. */
  stop(): Promise<number> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<number> {
    const deadline = Date.now() + this.#timeoutMs;
    let clean = true;
    for (const { name, stop } of this.#stops.toReversed()) {
      const remaining = Math.max(deadline - Date.now(), 0);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), remaining);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(stop), timedOut]);
        if (outcome === 'timeout') {
          clean = false;
          this.#logger.error({ resource: name }, 'did not stop within the shutdown budget');
        } else {
          this.#logger.debug({ resource: name }, 'stopped');
        }
      } catch (error) {
        clean = false;
        this.#logger.error({ resource: name, err: error }, 'failed to stop');
      } finally {
        clearTimeout(timer);
      }
    }
    this.#logger.info({ clean }, 'shutdown complete');
    return clean ? 0 : 1;
  }
}

/**
 * Runs a service's main function. A start-up failure ends the process with exit code 1 and
 * one JSON log line saying why (for a bad configuration: every bad variable by name).
 */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service, msg: `cannot start: ${message}` })}\n`,
    );
    process.exit(1);
  });
}

/**
 * Runs a long-lived worker loop (a Kafka consumer, the outbox relay) until `active()` turns
 * false, restarting it after a failure with exponential backoff. A run that lasted a while
 * was healthy, so backing off starts again from the beginning after it fails.
 */
export async function superviseLoop(options: {
  run: () => Promise<void>;
  active: () => boolean;
  onFailure: (error: unknown, failures: number) => void;
  pause: (ms: number) => Promise<void>;
  baseMs: number;
  maxMs: number;
}): Promise<void> {
  let failures = 0;
  while (options.active()) {
    const started = Date.now();
    try {
      await options.run();
      failures = 0;
    } catch (error) {
      if (!options.active()) return;
      failures = Date.now() - started > 30_000 ? 1 : failures + 1;
      options.onFailure(error, failures);
      await options.pause(Math.min(options.baseMs * 2 ** failures, options.maxMs));
    }
  }
}
