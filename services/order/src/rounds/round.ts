import { randomInt } from 'node:crypto';
import type { OrderStatus } from '../orders/order.ts';
import type { LineRequest } from '../orders/pricing.ts';

/** A cancelled round is deleted, so there is no third state. */
export type RoundStatus = 'open' | 'submitted';
/** Who pays: every member their own drinks, or the starter for everyone. */
export type RoundPayer = 'each' | 'starter';

export interface RoundMember {
  customerId: string;
  customerName: string;
  lines: LineRequest[];
  /** The member's order once the round was submitted; none when left out or without drinks. */
  orderId: string | undefined;
  /** Where that order stands, so the table sees the whole round at once. */
  orderStatus: OrderStatus | undefined;
  joinedAt: Date;
}

/** A round for the table: one starter, members (the starter first) and their drinks. */
export interface Round {
  id: string;
  code: string;
  starterId: string;
  status: RoundStatus;
  payer: RoundPayer;
  members: RoundMember[];
  createdAt: Date;
  submittedAt: Date | undefined;
}

/** Why a round cannot be submitted as it is, for one member. */
export type RoundProblem =
  | {
      kind: 'item_unavailable';
      customerId: string;
      customerName: string;
      menuItemId: string;
      detail: string;
    }
  | { kind: 'tab_refused'; customerId: string; customerName: string; detail: string };

/** People at one table: enough for a big one, few enough that one round stays one card. */
export const MAX_ROUND_MEMBERS = 20;
/** Open rounds one customer may have started at once: a table has one; a few spare for mistakes. */
export const MAX_OPEN_ROUNDS_PER_STARTER = 3;

/** Digits and capitals without look-alikes (0/O, 1/I/L), so a code read aloud is typed right. */
export const ROUND_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ROUND_CODE_LENGTH = 6;

export function newRoundCode(): string {
  return Array.from({ length: ROUND_CODE_LENGTH }, () =>
    ROUND_CODE_ALPHABET.charAt(randomInt(ROUND_CODE_ALPHABET.length)),
  ).join('');
}

/** A code as someone typed it: case and spaces do not matter; undefined when it cannot be one. */
export function normaliseRoundCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== ROUND_CODE_LENGTH) return undefined;
  for (const char of code) if (!ROUND_CODE_ALPHABET.includes(char)) return undefined;
  return code;
}

/** No round with that id or code that the caller may see: non-members are told just this. */
export class RoundNotFoundError extends Error {
  override name = 'RoundNotFoundError';
}

/** What the round's state or the caller's place in it does not allow (a 409 to the client). */
export class RoundConflictError extends Error {
  override name = 'RoundConflictError';
}

/** A request that cannot be right whatever the round's state; `field` names it. */
export class RoundInvalidError extends Error {
  override name = 'RoundInvalidError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Who may see a round: its members only. */
export function isMember(round: Round, customerId: string): boolean {
  return round.members.some((member) => member.customerId === customerId);
}

/** The members whose drinks a submit places: those with drinks, less those left out. */
export function membersToSubmit(round: Round, without: ReadonlySet<string>): RoundMember[] {
  return round.members.filter(
    (member) => member.lines.length > 0 && !without.has(member.customerId),
  );
}

/**
 * What each tab would be charged: every member their own subtotal, or, when the starter pays,
 * the starter everything. Keyed by the paying customer.
 */
export function chargesByPayer(
  starterId: string,
  payer: RoundPayer,
  subtotals: { customerId: string; cents: number }[],
): Map<string, number> {
  const charges = new Map<string, number>();
  for (const { customerId, cents } of subtotals) {
    const payerId = payer === 'starter' ? starterId : customerId;
    charges.set(payerId, (charges.get(payerId) ?? 0) + cents);
  }
  return charges;
}
