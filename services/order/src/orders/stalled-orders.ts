import type { Logger } from '@everything/logger';
import type { Ordering } from './ordering.ts';

export interface StalledOrderSettings {
  /** How often to look. */
  intervalMs: number;
  /** How long a placed order may go without a workflow before it counts as stalled. */
  graceMs: number;
}

/**
 * Repairs orders stored as placed whose workflow never started: PlaceOrder inserts the order,
 * then starts its workflow, and a crash or a Temporal outage between the two leaves an order
 * that waits for ever, counted in the queue and never charged, unless its client retries.
 * The stored order is the durable record of the intent; this sweep finishes the start. Every
 * replica may sweep: starting is refused while a workflow runs, so an order starts once.
 */
export class StalledOrderSweeper {
  readonly #ordering: Ordering;
  readonly #settings: StalledOrderSettings;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweep: Promise<void> = Promise.resolve();

  constructor(ordering: Ordering, settings: StalledOrderSettings, logger: Logger) {
    this.#ordering = ordering;
    this.#settings = settings;
    this.#logger = logger;
  }

  start(): void {
    this.#timer = setInterval(() => {
      // One sweep at a time: a slow one is not overlapped by the next tick.
      this.#sweep = this.#sweep.then(() => this.#once());
    }, this.#settings.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweep;
  }

  async #once(): Promise<void> {
    try {
      const started = await this.#ordering.startStalled(this.#settings.graceMs);
      if (started.length > 0)
        this.#logger.warn({ orderIds: started }, 'started the workflows of stalled placed orders');
    } catch (error) {
      // The database or Temporal is down; the next sweep tries again.
      this.#logger.warn({ err: error }, 'could not sweep stalled placed orders');
    }
  }
}
