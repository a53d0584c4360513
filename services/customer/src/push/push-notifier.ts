import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import webpush, { WebPushError } from 'web-push';
import type { Logger } from '@everything/logger';
import type { OrderEvent } from '../events/order-event.ts';
import { checkPushEndpoint } from './push-endpoint.ts';
import type { PushSubscription, PushSubscriptions } from './push-subscriptions.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact the push services may use (RFC 8292). */
  subject: string;
}

export interface PushSettings {
  vapid: VapidKeys;
  allowedOrigins: string[];
  /** Attempts for a push service answering 429 or 5xx, with doubling pauses from `retryBaseMs`. */
  attempts: number;
  retryBaseMs: number;
  /** For tests: an agent trusting a local receiver's certificate. */
  agent?: Agent;
  /** A ready order expires this long after it became ready (the order service's pickup timeout). */
  pickupTimeoutMs: number;
  /** How long before it expires its customer is reminded ("expiring soon"). */
  remindBeforeMs: number;
  /** How often due reminders are looked for (15 s). */
  reminderPollMs?: number;
}

/** The id of an order's reminder, as the event id its deliveries are claimed under. */
function reminderId(orderId: string): string {
  const hex = createHash('sha256').update(`expiring-soon:${orderId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Picked up, expired or cancelled: nothing is waiting any more, so no reminder is due. */
const orderEnded = new Set(['order.completed', 'order.expired', 'order.cancelled']);

/** What a customer's browsers are told, and when; other events tell nothing. */
export function notificationOf(
  event: OrderEvent,
): { kind: string; title: string; body: string } | undefined {
  switch (event.type) {
    case 'order.accepted':
      return { kind: 'accepted', title: 'Order accepted', body: 'The barista is making it now.' };
    case 'order.ready':
      return { kind: 'ready', title: 'Your order is ready', body: 'Pick it up at the counter!' };
    case 'order.cancelled':
      // The customer knows they cancelled; anything else (declined, not accepted in time, not
      // paid) is news.
      if (/^cancelled by the customer/.test(event.order.statusReason ?? '')) return undefined;
      return {
        kind: 'declined',
        title: 'Order not made',
        body: event.order.statusReason ?? 'The café could not make it.',
      };
    case 'order.customer_notified':
      // Sent once per member's order when the last drink of their round for the table is ready.
      if (event.notification?.about !== 'round_ready') return undefined;
      return {
        kind: 'round_ready',
        title: 'Your round is ready',
        body: 'The whole table’s drinks are at the counter.',
      };
    default:
      return undefined;
  }
}

/**
 * Sends an order event's notification to every browser of its customer, encrypted per RFC 8291
 * (aes128gcm) with a VAPID JWT (RFC 8292) by the web-push library. Each browser gets each event
 * at most once; a browser the push service says is gone (404, 410) is forgotten; 429 and 5xx
 * are retried with backoff.
 */
export class PushNotifier {
  readonly #subscriptions: PushSubscriptions;
  readonly #settings: PushSettings;
  readonly #logger: Logger;

  constructor(subscriptions: PushSubscriptions, settings: PushSettings, logger: Logger) {
    this.#subscriptions = subscriptions;
    this.#settings = settings;
    this.#logger = logger.child({ component: 'push-notifier' });
  }

  /** Handles one order event; true when it meant a notification. */
  async notify(event: OrderEvent): Promise<boolean> {
    if (event.type === 'order.ready') {
      const remindAt =
        event.occurredAt.getTime() + this.#settings.pickupTimeoutMs - this.#settings.remindBeforeMs;
      await this.#subscriptions.remindAt(
        event.order.id,
        event.order.customerId,
        new Date(remindAt),
      );
    } else if (orderEnded.has(event.type)) {
      await this.#subscriptions.cancelReminder(event.order.id);
    }
    const notification = notificationOf(event);
    if (!notification) return false;
    const payload = JSON.stringify({
      ...notification,
      orderId: event.order.id,
      url: `/orders/${event.order.id}`,
    });
    for (const subscription of await this.#subscriptions.ofCustomer(event.order.customerId)) {
      if (!(await this.#subscriptions.claimDelivery(event.eventId, subscription.endpoint)))
        continue;
      await this.#send(subscription, payload, event.eventId);
    }
    return true;
  }

  /** Reminds the customers of ready orders about to expire; each reminder is sent once. */
  async remindDue(): Promise<number> {
    const due = await this.#subscriptions.takeDueReminders(new Date());
    const minutes = Math.max(1, Math.round(this.#settings.remindBeforeMs / 60_000));
    for (const { orderId, customerId } of due) {
      const payload = JSON.stringify({
        kind: 'expiring-soon',
        title: 'Your order is waiting',
        body: `Pick it up within ${minutes} min, or it expires.`,
        orderId,
        url: `/orders/${orderId}`,
      });
      const eventId = reminderId(orderId);
      for (const subscription of await this.#subscriptions.ofCustomer(customerId)) {
        if (await this.#subscriptions.claimDelivery(eventId, subscription.endpoint))
          await this.#send(subscription, payload, eventId);
      }
    }
    return due.length;
  }

  async #send(subscription: PushSubscription, payload: string, eventId: string): Promise<void> {
    const { vapid, allowedOrigins, attempts, retryBaseMs, agent } = this.#settings;
    // Stored endpoints were checked when saved; the list of allowed origins may have shrunk since.
    checkPushEndpoint(subscription.endpoint, allowedOrigins);
    for (let attempt = 1; ; attempt++) {
      try {
        await webpush.sendNotification(subscription, payload, {
          vapidDetails: vapid,
          TTL: 30 * 60,
          urgency: 'high',
          contentEncoding: 'aes128gcm',
          timeout: 10_000,
          ...(agent ? { agent } : {}),
        });
        return;
      } catch (error) {
        const status = error instanceof WebPushError ? error.statusCode : undefined;
        if (status === 404 || status === 410) {
          await this.#subscriptions.forget(subscription.endpoint);
          this.#logger.info({ eventId, status }, 'push subscription gone; forgotten');
          return;
        }
        const retryable = status === undefined || status === 429 || status >= 500;
        if (!retryable || attempt >= attempts) {
          this.#logger.warn({ eventId, status, attempt }, 'push notification not delivered');
          return;
        }
        const retryAfter = Number(
          error instanceof WebPushError ? error.headers['retry-after'] : Number.NaN,
        );
        await sleep(
          Number.isFinite(retryAfter) && retryAfter >= 0
            ? Math.min(retryAfter * 1000, 30_000)
            : retryBaseMs * 2 ** (attempt - 1),
        );
      }
    }
  }
}
