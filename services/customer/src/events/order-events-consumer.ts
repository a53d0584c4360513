import { setTimeout as sleep } from 'node:timers/promises';
import {
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type pg from 'pg';
import {
  Consumer,
  FetchIsolationLevels,
  Producer,
  stringDeserializers,
  stringSerializers,
  type Message,
} from '@platformatic/kafka';
import { EventSchemaError, readRelayEpoch, RELAY_EPOCH_HEADER } from '@everything/events';
import { superviseLoop } from '@everything/lifecycle';
import type { Logger } from '@everything/logger';
import { withTransaction } from '@everything/postgres';
import { applyOrderEvent } from '../loyalty/loyalty.ts';
import { parseOrderEvent, PoisonMessageError, type OrderEvent } from './order-event.ts';
import { admitRelayEpoch } from './relay-fence.ts';

type OrderMessage = Message<string, string, string, string>;

const tracer = trace.getTracer('everything.customer.order-events-consumer');
const meter = metrics.getMeter('everything.customer');
const handled = meter.createCounter('everything.order_events.handled', {
  description:
    'Order events the consumer handled, by type and result (applied, duplicate, fenced, dead_letter, skipped)',
});
const lagGauge = meter.createObservableGauge('everything.kafka.consumer.lag', {
  description: 'Messages the consumer group has yet to read, per partition',
});
// How often the consumer asks Kafka for its lag; Prometheus reads the latest answer.
const LAG_INTERVAL_MS = 10_000;
/**
 * How often the offsets of applied events are committed. Committing each message cost the
 * broker a write per event, and the consumer a round trip before it could take the next; an
 * event applied but not yet committed when the consumer dies is delivered again and found in
 * processed_events, so a later commit only means a few more duplicates after a crash.
 */
export const COMMIT_INTERVAL_MS = 500;

export interface ConsumerSettings {
  brokers: string[];
  topic: string;
  /**
   * Where messages that can never be applied go. Without one they are logged and skipped: a
   * second group of the same topic leaves them to the first, so each is dead-lettered once.
   */
  deadLetterTopic: string | undefined;
  groupId: string;
}

/**
 * A group's own handling of each event, in place of points and stats; true when it had an
 * effect. It must be idempotent by event id itself, and runs outside the relay fence: the
 * highest epoch per partition is the points group's, and a group reading behind it would take
 * the events that group already applied for stale ones.
 */
export type OrderEventHandler = (event: OrderEvent) => Promise<boolean>;

/**
 * Reads order events as one consumer group and applies each exactly once (the effect and the
 * event id commit together; Kafka offsets are committed after). A message that can never be
 * applied goes to the dead-letter topic with the reason, and the consumer moves on; a failure
 * that may pass (the database is down) is retried until it does, so nothing is skipped. A
 * message from an outbox relay that had lost its lead (an older `relay-epoch` than one already
 * applied on its partition) is fenced off: not applied, as the current leader sends it again.
 * A message without the header, from a release before the epoch, is applied as before.
 */
export class OrderEventsConsumer {
  readonly #pool: pg.Pool;
  readonly #settings: ConsumerSettings;
  readonly #logger: Logger;
  #stopping = false;
  #consumer: Consumer<string, string, string, string> | undefined;
  #commits: OffsetCommits | undefined;
  #running: Promise<void> | undefined;
  #lag = new Map<string, bigint[]>();
  readonly #handler: OrderEventHandler | undefined;

  constructor(
    pool: pg.Pool,
    settings: ConsumerSettings,
    logger: Logger,
    handler?: OrderEventHandler,
  ) {
    this.#pool = pool;
    this.#settings = settings;
    this.#handler = handler;
    this.#logger = logger.child({ component: 'order-events-consumer', group: settings.groupId });
    lagGauge.addCallback((observer) => {
      for (const [topic, partitions] of this.#lag)
        for (const [partition, lag] of partitions.entries())
          if (lag >= 0n)
            observer.observe(Number(lag), {
              'messaging.destination.name': topic,
              'messaging.destination.partition.id': String(partition),
              'messaging.consumer.group.name': settings.groupId,
            });
    });
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    // What was applied is committed before the stream closes, so a restart does not start over.
    await this.#commits?.flush();
    await this.#consumer?.close(true).catch(() => undefined);
    await this.#running;
  }

  #run(): Promise<void> {
    return superviseLoop({
      run: () => this.#consume(),
      active: () => this.#active(),
      onFailure: (error, failures) =>
        this.#logger.warn(
          { err: error, failures },
          'order events consumer interrupted; reconnecting',
        ),
      pause: (ms) => sleep(ms),
      baseMs: 500,
      maxMs: 10_000,
    });
  }

  async #consume(): Promise<void> {
    const { brokers, topic, groupId } = this.#settings;
    const consumer = new Consumer({
      groupId,
      clientId: 'customer-service',
      bootstrapBrokers: brokers,
      deserializers: stringDeserializers,
      timeout: 5_000,
      // A replica that crashed holds its partitions until the broker gives up on it: 10 s, not
      // the library's 60 s, during which no loyalty point moves (`make drill` measured it).
      // Heartbeats every 3 s keep a live replica well inside it.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      // Only committed events are order events, should a producer ever write in transactions.
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    this.#consumer = consumer;
    const deadLetters = new Producer({
      clientId: 'customer-service-dlq',
      bootstrapBrokers: brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
    });
    const commits = new OffsetCommits(COMMIT_INTERVAL_MS, (error) =>
      this.#logger.warn(
        { err: error },
        'committing offsets failed; events since the last commit may be delivered again (and found applied)',
      ),
    );
    this.#commits = commits;
    try {
      consumer.on('consumer:lag', (lag) => (this.#lag = lag));
      consumer.startLagMonitoring({ topics: [topic] }, LAG_INTERVAL_MS);
      const stream = await consumer.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
      });
      for await (const message of stream as AsyncIterable<OrderMessage>) {
        await this.#traced(message, () => this.#handle(message, deadLetters));
        commits.applied(message);
        if (!this.#active()) break;
      }
    } finally {
      await commits.close();
      consumer.stopLagMonitoring();
      await deadLetters.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    }
  }

  /** Processes a message inside a span that continues the trace its headers carry. */
  async #traced(message: OrderMessage, handle: () => Promise<void>): Promise<void> {
    const parent = propagation.extract(ROOT_CONTEXT, Object.fromEntries(message.headers));
    await tracer.startActiveSpan(
      `process ${message.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': message.topic,
          'messaging.destination.partition.id': String(message.partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.consumer.group.name': this.#settings.groupId,
          'messaging.message.id': message.headers.get('event-id') ?? '',
        },
      },
      parent,
      async (span) => {
        try {
          await handle();
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  async #handle(
    message: OrderMessage,
    deadLetters: Producer<string, string, string, string>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const event = parseOrderEvent(message.value, message.headers.get('schema-version'));
        const epoch = relayEpochOf(message);
        const handler = this.#handler;
        const result = handler
          ? (await handler(event))
            ? 'applied'
            : 'duplicate'
          : await withTransaction(this.#pool, async (client) => {
              const { topic, partition } = message;
              if (
                epoch !== undefined &&
                !(await admitRelayEpoch(client, { topic, partition, epoch }))
              )
                return 'fenced';
              return (await applyOrderEvent(client, event)) ? 'applied' : 'duplicate';
            });
        handled.add(1, { type: event.type, result });
        if (result === 'fenced')
          this.#logger.info(
            {
              eventId: event.eventId,
              type: event.type,
              relayEpoch: String(epoch),
              partition: message.partition,
              offset: String(message.offset),
            },
            'order event from a superseded outbox relay skipped; its current leader sends it again',
          );
        else
          this.#logger.debug(
            { eventId: event.eventId, type: event.type, applied: result === 'applied' },
            result === 'applied' ? 'order event applied' : 'order event already applied',
          );
        return;
      } catch (error) {
        if (error instanceof PoisonMessageError) {
          const topic = this.#settings.deadLetterTopic;
          if (topic) await this.#deadLetter(message, error.message, topic, deadLetters);
          else
            this.#logger.warn(
              {
                reason: error.message,
                partition: message.partition,
                offset: String(message.offset),
              },
              'order event skipped: it can never be applied (another group dead-letters it)',
            );
          handled.add(1, { type: 'unparseable', result: topic ? 'dead_letter' : 'skipped' });
          return;
        }
        if (!this.#active()) throw error;
        this.#logger.warn(
          { err: error, attempt, offset: String(message.offset) },
          'order event not applied yet; retrying',
        );
        await sleep(Math.min(250 * 2 ** attempt, 5_000));
      }
    }
  }

  async #deadLetter(
    message: OrderMessage,
    reason: string,
    topic: string,
    deadLetters: Producer<string, string, string, string>,
  ): Promise<void> {
    this.#logger.error(
      { reason, partition: message.partition, offset: String(message.offset) },
      'order event sent to the dead-letter topic',
    );
    await deadLetters.send({
      messages: [
        {
          topic,
          key: message.key,
          value: message.value,
          headers: {
            ...Object.fromEntries(message.headers),
            'dlq-reason': reason,
            'dlq-original-topic': message.topic,
            'dlq-original-partition': String(message.partition),
            'dlq-original-offset': String(message.offset),
          },
        },
      ],
    });
  }

  #active(): boolean {
    return !this.#stopping;
  }
}

function relayEpochOf(message: OrderMessage): bigint | undefined {
  try {
    return readRelayEpoch(message.headers.get(RELAY_EPOCH_HEADER));
  } catch (error) {
    if (error instanceof EventSchemaError) throw new PoisonMessageError(error.message);
    throw error;
  }
}

/**
 * The offsets of applied messages, committed together every interval: per partition, the
 * commit of its latest applied message covers every one before it.
 */
class OffsetCommits {
  readonly #latest = new Map<number, OrderMessage>();
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  #flushing: Promise<void> = Promise.resolve();

  constructor(intervalMs: number, onError: (error: unknown) => void) {
    this.#onError = onError;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
  }

  applied(message: OrderMessage): void {
    this.#latest.set(message.partition, message);
  }

  /** Commits what was applied since the last commit; one commit at a time, never throws. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const messages = [...this.#latest.values()];
      this.#latest.clear();
      // A message whose partition moved to another replica fails to commit: that replica
      // reads on from the last committed offset and finds the events already applied.
      await Promise.all(
        messages.map(async (message) => {
          await message.commit();
        }),
      ).catch(this.#onError);
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
