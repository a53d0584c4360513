import { metrics } from '@opentelemetry/api';
import pLimit from 'p-limit';
import { Problem } from '../problem.ts';

/** How a refusal reads: nothing was started, so a retry (with the same Idempotency-Key) is safe. */
export const overloaded = (what: string, retryAfterSeconds: number) =>
  new Problem(
    503,
    'overloaded',
    'Overloaded',
    `Too many ${what} at once; nothing was done. Retry after ${retryAfterSeconds} s with the same Idempotency-Key.`,
    { headers: { 'retry-after': String(retryAfterSeconds) } },
  );

const meter = metrics.getMeter('everything.server');
const refusals = meter.createCounter('everything.admission.refused', {
  description:
    'Calls refused with 503 before they started, as the queue in front of a peer was full',
});

export interface AdmissionLimits {
  /** Calls in flight to the peer at once, per replica. */
  concurrency: number;
  /** Calls that may wait for a free slot; one more is refused at once. */
  queue: number;
  /** The longest a call waits for a slot before it is refused. */
  maxWaitMs: number;
}

/**
 * Admission control in front of a costly peer call (placing an order is a database
 * transaction and a workflow start). Beyond `concurrency` calls in flight, calls wait in a
 * bounded queue; a call that finds the queue full, or waits longer than `maxWaitMs`, is refused
 * with 503 and Retry-After before anything starts. So under overload a 503 always means
 * "nothing was done", and latency stays bounded instead of every caller waiting on everyone.
 */
export class Admission {
  readonly #limit;
  readonly #limits: AdmissionLimits;
  readonly #what: string;
  #admitted = 0;

  constructor(what: string, limits: AdmissionLimits) {
    this.#what = what;
    this.#limits = limits;
    this.#limit = pLimit(limits.concurrency);
    meter
      .createObservableGauge('everything.admission.waiting', {
        description: 'Calls waiting for a free slot in front of a peer',
      })
      .addCallback((observer) => observer.observe(this.#limit.pendingCount, { what }));
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    // Counted here, not from p-limit's counts, which move a microtask after each call.
    if (this.#admitted >= this.#limits.concurrency + this.#limits.queue) throw this.#refuse();
    this.#admitted++;
    const waitUntil = Date.now() + this.#limits.maxWaitMs;
    try {
      return await this.#limit(() => {
        if (Date.now() > waitUntil) throw this.#refuse();
        return work();
      });
    } finally {
      this.#admitted--;
    }
  }

  #refuse(): Problem {
    refusals.add(1, { what: this.#what });
    // The queue drains at about `concurrency` calls per call time; a second is a fair wait.
    return overloaded(this.#what, 1);
  }
}
