// Steady traffic for the drill: customers ordering and sometimes cancelling, a barista
// accepting, readying and handing over, and baristas' screens following the queue's event
// stream. Everything the API answered with a 2xx is remembered (the invariants check it against
// the databases); every other answer is a client error seen, counted per fault.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { callJson } from '@everything/test-support/http';
import { required } from './processes.ts';

export const base = `http://127.0.0.1:${required('SERVER_PORT')}`;

export interface Answer {
  /** 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  body: unknown;
  retryAfterMs: number | undefined;
}

export async function call(
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  try {
    const answer = await callJson(base, method, route, { ...options, timeoutMs: 20_000 });
    const retryAfter = Number(answer.headers.get('retry-after'));
    return {
      status: answer.status,
      body: answer.body,
      retryAfterMs: retryAfter > 0 ? retryAfter * 1_000 : undefined,
    };
  } catch {
    return { status: 0, body: undefined, retryAfterMs: undefined };
  }
}

export async function expect2xx(answer: Promise<Answer>, what: string): Promise<unknown> {
  const { status, body } = await answer;
  if (status < 200 || status > 299) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Client errors seen, by answer (`503`, `no answer`, …); reset at each fault. */
export class ErrorTally {
  counts = new Map<string, number>();
  add(status: number) {
    const key = status === 0 ? 'no answer' : String(status);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  total() {
    return [...this.counts.values()].reduce((sum, count) => sum + count, 0);
  }
  describe() {
    if (this.counts.size === 0) return '0';
    const parts = [...this.counts].sort(([, a], [, b]) => b - a).map(([k, n]) => `${n}× ${k}`);
    return `${this.total()} (${parts.join(', ')})`;
  }
}

export interface Account {
  id: string;
  token: string;
}

/**
 * Registers accounts one at a time (each costs the customer service a password hash), waiting
 * out the 503s of a busy machine.
 */
export async function register(count: number, name: string): Promise<Account[]> {
  const accounts: Account[] = [];
  const ignored = new ErrorTally();
  for (let index = 0; index < count; index += 1) {
    const body = (await expect2xx(
      persist(
        () =>
          call('POST', '/v1/auth/register', {
            body: {
              email: `drill-${randomUUID()}@example.com`,
              password: 'drill password',
              displayName: `${name} ${index}`,
            },
          }),
        () => ignored,
      ),
      'register',
    )) as { accessToken: string };
    const claims = JSON.parse(
      Buffer.from(body.accessToken.split('.')[1] ?? '', 'base64url').toString(),
    ) as { sub: string };
    accounts.push({ id: claims.sub, token: body.accessToken });
  }
  return accounts;
}

export interface OrderJson {
  id: string;
  status: string;
  placedAt: string;
  totalCents: number;
}

/** What the API promised: each order it answered 2xx for, and the state a 2xx action put it in. */
export class Ledger {
  /** Order id → the status its last acknowledged action left it in ('placed' after POST). */
  readonly acknowledged = new Map<string, string>();
}

/** Orders the barista works on at once. */
const BARISTA_HANDS = 6;

const isRetryable = (status: number) => status === 0 || status === 429 || status >= 500;

/**
 * Sends a request until it has an answer that is not an outage (no answer, 429, 5xx), with the
 * same idempotency key each time, waiting out Retry-After; each outage answer is tallied. Gives
 * up after `patienceMs`, returning the last answer.
 */
export async function persist(
  send: () => Promise<Answer>,
  tally: () => ErrorTally,
  patienceMs = 90_000,
): Promise<Answer> {
  const giveUpAt = Date.now() + patienceMs;
  let pause = 250;
  for (;;) {
    const answer = await send();
    if (!isRetryable(answer.status) || Date.now() > giveUpAt) return answer;
    tally().add(answer.status);
    await sleep(Math.min(answer.retryAfterMs ?? pause, 5_000));
    pause = Math.min(pause * 2, 2_000);
  }
}

/** A gate the traffic passes between requests: closed while the invariants are checked. */
export class Gate {
  #open = true;
  #waiters: (() => void)[] = [];
  #busy = 0;
  #idle: (() => void)[] = [];

  async pass(): Promise<void> {
    while (!this.#open) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#busy += 1;
  }
  leave() {
    this.#busy -= 1;
    if (this.#busy === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
  /** Closes the gate and waits until nothing is under way. */
  async close(): Promise<void> {
    this.#open = false;
    while (this.#busy > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
  open() {
    this.#open = true;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}

export interface TrafficOptions {
  latteId: string;
  customers: Account[];
  barista: Account;
  /** Share of orders their customer tries to cancel (before the barista accepts it). */
  cancelShare: number;
}

/** The steady traffic: runs until stop(); `tally` is swapped at each fault. */
export class Traffic {
  readonly ledger = new Ledger();
  readonly gate = new Gate();
  tally = new ErrorTally();
  #stopped = false;
  #running: Promise<void>[] = [];
  /** The barista leaves placed orders alone this long, so that customers can cancel some. */
  readonly #acceptAfterMs = 1_500;
  baristaPaused = false;

  readonly options: TrafficOptions;

  constructor(options: TrafficOptions) {
    this.options = options;
  }

  start() {
    this.#running = [
      ...this.options.customers.map((customer) => this.#customer(customer)),
      this.#barista(),
    ];
  }

  async stop() {
    this.#stopped = true;
    this.gate.open();
    await Promise.all(this.#running);
  }

  async #customer(customer: Account) {
    while (!this.#stopped) {
      await this.gate.pass();
      try {
        const key = randomUUID();
        const placed = await persist(
          () =>
            call('POST', '/v1/orders', {
              token: customer.token,
              headers: { 'idempotency-key': key },
              body: { items: [{ menuItemId: this.options.latteId, quantity: 1 }] },
            }),
          () => this.tally,
        );
        if (placed.status === 201) {
          const order = placed.body as OrderJson;
          this.ledger.acknowledged.set(order.id, 'placed');
          if (Math.random() < this.options.cancelShare) {
            await sleep(Math.random() * 1_000);
            const cancelKey = randomUUID();
            const cancelled = await persist(
              () =>
                call('POST', `/v1/orders/${order.id}/cancel`, {
                  token: customer.token,
                  headers: { 'idempotency-key': cancelKey },
                }),
              () => this.tally,
            );
            if (cancelled.status === 200) this.ledger.acknowledged.set(order.id, 'cancelled');
            // 409: the barista accepted it first, which is the café working as it should.
            else if (cancelled.status !== 409) this.tally.add(cancelled.status);
          }
        } else {
          this.tally.add(placed.status);
        }
      } finally {
        this.gate.leave();
      }
      await sleep(1_000 + Math.random() * 2_000);
    }
  }

  async #barista() {
    const { barista } = this.options;
    while (!this.#stopped) {
      await this.gate.pass();
      try {
        if (!this.baristaPaused) await this.#workTheQueue(barista);
      } finally {
        this.gate.leave();
      }
      await sleep(300);
    }
  }

  async #workTheQueue(barista: Account) {
    const queue = await call('GET', '/v1/orders?status=placed,accepted,ready&limit=200', {
      token: barista.token,
    });
    if (queue.status !== 200) {
      this.tally.add(queue.status);
      return;
    }
    const next: Partial<Record<string, 'accept' | 'ready' | 'pickup'>> = {
      placed: 'accept',
      accepted: 'ready',
      ready: 'pickup',
    };
    const after = { accept: 'accepted', ready: 'ready', pickup: 'completed' } as const;
    const work = (queue.body as { orders: OrderJson[] }).orders.filter(
      (order) =>
        next[order.status] !== undefined &&
        (order.status !== 'placed' ||
          Date.now() - Date.parse(order.placedAt) >= this.#acceptAfterMs),
    );
    // A few hands at once, as a café's staff: one at a time cannot keep up with the customers.
    await Promise.all(
      Array.from({ length: BARISTA_HANDS }, async () => {
        for (let order = work.shift(); order; order = work.shift()) {
          const action = next[order.status];
          if (this.#stopped || this.baristaPaused || !action) return;
          const id = order.id;
          const key = randomUUID();
          const answer = await persist(
            () =>
              call('POST', `/v1/orders/${id}/${action}`, {
                token: barista.token,
                headers: { 'idempotency-key': key },
              }),
            () => this.tally,
          );
          if (answer.status === 200) {
            if (this.ledger.acknowledged.has(id)) this.ledger.acknowledged.set(id, after[action]);
          } else if (answer.status !== 409) {
            // 409: cancelled by its customer, or timed out, meanwhile.
            this.tally.add(answer.status);
          }
        }
      }),
    );
  }
}

/**
 * A barista's screen on GET /v1/queue/events: reconnects whenever the stream breaks, resuming
 * with Last-Event-ID, and records every event id it received.
 */
export class QueueWatcher {
  readonly seen = new Set<number>();
  reconnects = 0;
  #lastId: number;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  readonly account: Account;
  /** The event log's last id when the watcher started: it must see every later one. */
  readonly from: number;

  constructor(account: Account, from: number) {
    this.account = account;
    this.from = from;
    this.#lastId = from;
  }

  start() {
    this.#running = this.#watch();
  }

  async stop() {
    this.#stop.abort();
    await this.#running;
  }

  #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  async #watch() {
    while (!this.#stopping()) {
      try {
        const response = await fetch(`${base}/v1/queue/events`, {
          headers: {
            authorization: `Bearer ${this.account.token}`,
            accept: 'text/event-stream',
            'last-event-id': String(this.#lastId),
          },
          signal: this.#stop.signal,
        });
        if (response.status === 200 && response.body) {
          let buffered = '';
          for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
            buffered += chunk;
            const events = buffered.split('\n\n');
            buffered = events.pop() ?? '';
            for (const event of events) {
              const id = /^id: (\d+)$/m.exec(event)?.[1];
              if (id === undefined) continue;
              this.seen.add(Number(id));
              this.#lastId = Math.max(this.#lastId, Number(id));
            }
          }
        } else {
          await response.body?.cancel();
        }
      } catch {
        // The stream broke (a service restarted): resume after the last event seen.
      }
      if (this.#stopping()) return;
      this.reconnects += 1;
      await sleep(1_000);
    }
  }
}
