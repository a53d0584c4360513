// How money, times and statuses read in the app.
import type { OrderStatus } from './types.ts';

// One café, one currency: change it here.
const CURRENCY = 'EUR';
const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: CURRENCY });
const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatMoney = (cents: number): string => money.format(cents / 100);
export const formatClock = (iso: string): string => clock.format(new Date(iso));
export const formatDay = (iso: string): string => day.format(new Date(iso));

/** "2:05" for a countdown or an age, never negative. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

export const statusLabel: Record<OrderStatus, string> = {
  placed: 'Waiting for the barista',
  accepted: 'Being made',
  ready: 'Ready for pickup',
  completed: 'Picked up',
  cancelled: 'Cancelled',
  expired: 'Not accepted in time',
};

export const isOpen = (status: OrderStatus): boolean =>
  status === 'placed' || status === 'accepted' || status === 'ready';
