import { randomUUID } from 'node:crypto';
import type { MenuItem } from '../menu/menu.ts';
import { lineTotal, type Order } from '../orders/order.ts';
import type { NewOrder } from '../orders/order-repository.ts';
import { MAX_LINES, priceLines, PricingError, type LineRequest } from '../orders/pricing.ts';
import {
  CodeTakenError,
  TooManyOpenRoundsError,
  type RoundRepository,
} from './round-repository.ts';
import {
  chargesByPayer,
  isMember,
  MAX_OPEN_ROUNDS_PER_STARTER,
  membersToSubmit,
  newRoundCode,
  normaliseRoundCode,
  RoundConflictError,
  RoundInvalidError,
  RoundNotFoundError,
  type Round,
  type RoundMember,
  type RoundPayer,
  type RoundProblem,
} from './round.ts';

/** Whether a tab would take a charge now; `allowed: undefined` when that cannot be known. */
export type TabCheck = (
  customerId: string,
  amountCents: number,
) => Promise<{ allowed: boolean | undefined; reason: string }>;

export interface RoundsDeps {
  menu: () => Promise<MenuItem[]>;
  checkTab: TabCheck;
  /** Starts the workflows of the orders a submit placed; safe to call again for the same orders. */
  startWorkflows: (orders: Order[]) => Promise<void>;
  /** When a new order must be accepted by, as for any order placed now. */
  acceptBy: () => Date;
}

export type RoundMemberView = RoundMember & { subtotalCents: number };
export type RoundView = Omit<Round, 'members'> & { members: RoundMemberView[] };

export type SubmitOutcome =
  | { submitted: true; round: RoundView; orders: Order[] }
  | { submitted: false; round: RoundView; problems: RoundProblem[] };

/** Attempts at a free code before giving up; with 31^6 codes, a clash is already rare. */
const CODE_ATTEMPTS = 5;

/**
 * The use cases of a round for the table. Drinks are priced from the menu like any order; the
 * tab is asked before anything is submitted, and the submit writes every member's order at once.
 */
export class Rounds {
  readonly #rounds: RoundRepository;
  readonly #deps: RoundsDeps;

  constructor(rounds: RoundRepository, deps: RoundsDeps) {
    this.#rounds = rounds;
    this.#deps = deps;
  }

  async start(starterId: string, starterName: string): Promise<RoundView> {
    const id = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#rounds.insert(
          { id, code: newRoundCode(), starterId, starterName },
          MAX_OPEN_ROUNDS_PER_STARTER,
        );
        return await this.get(id, starterId);
      } catch (error) {
        if (error instanceof TooManyOpenRoundsError)
          throw new RoundConflictError(
            `at most ${MAX_OPEN_ROUNDS_PER_STARTER} open rounds at once: submit or cancel one first`,
          );
        if (!(error instanceof CodeTakenError) || attempt >= CODE_ATTEMPTS) throw error;
      }
    }
  }

  /** Members only: to anyone else the round does not exist. */
  async get(roundId: string, customerId: string): Promise<RoundView> {
    return this.#view(await this.#visible(roundId, customerId));
  }

  async join(typedCode: string, customerId: string, customerName: string): Promise<RoundView> {
    const code = normaliseRoundCode(typedCode);
    if (!code) throw new RoundInvalidError('code', 'must be six letters and digits, as shared');
    const round = await this.#rounds.findOpenByCode(code);
    if (!round) throw new RoundNotFoundError('no open round has that code');
    return this.#view(await this.#rounds.addMember(round.id, customerId, customerName));
  }

  /** Replaces the caller's drinks, checked against the menu now as an order would be. */
  async setItems(roundId: string, customerId: string, lines: LineRequest[]): Promise<RoundView> {
    await this.#visible(roundId, customerId);
    if (lines.length > MAX_LINES)
      throw new RoundInvalidError('items', `must have at most ${MAX_LINES} lines`);
    if (lines.length > 0) priceLines(lines, await this.#deps.menu());
    return this.#view(await this.#rounds.setItems(roundId, customerId, lines));
  }

  /** A member leaves before the round is submitted; the starter cancels instead. */
  async leave(roundId: string, customerId: string): Promise<void> {
    const round = await this.#visible(roundId, customerId);
    if (round.starterId === customerId)
      throw new RoundConflictError('the starter cannot leave the round; cancel it instead');
    await this.#rounds.removeMember(roundId, customerId);
  }

  async cancel(roundId: string, customerId: string): Promise<void> {
    const round = await this.#visible(roundId, customerId);
    if (round.starterId !== customerId)
      throw new RoundConflictError('only the starter can cancel the round');
    await this.#rounds.delete(roundId);
  }

  /**
   * The starter submits the round: each member's drinks become an order of their own, charged
   * to their tab (or all to the starter's when `payer` is `starter`), all carrying the round.
   * Nothing is submitted while a drink is unavailable or a tab would be refused; the answer
   * names whose, and the starter may submit again `without` them. Submitting a submitted round
   * returns its orders again.
   */
  async submit(
    roundId: string,
    customerId: string,
    payer: RoundPayer,
    without: string[],
  ): Promise<SubmitOutcome> {
    const round = await this.#visible(roundId, customerId);
    if (round.starterId !== customerId)
      throw new RoundConflictError('only the starter can submit the round');
    let problems: RoundProblem[] = [];
    const result = await this.#rounds.submit(roundId, async (locked) => {
      const decision = await this.#decide(locked, payer, new Set(without));
      if ('problems' in decision) {
        problems = decision.problems;
        return { refused: true };
      }
      return { orders: decision.orders, payer };
    });
    if ('refused' in result)
      return { submitted: false, round: await this.#view(result.refused), problems };
    // Also on a repeat: an earlier submit may have committed and failed to start some.
    await this.#deps.startWorkflows(result.orders);
    return { submitted: true, round: await this.#view(result.round), orders: result.orders };
  }

  async #decide(
    round: Round,
    payer: RoundPayer,
    without: ReadonlySet<string>,
  ): Promise<{ orders: NewOrder[] } | { problems: RoundProblem[] }> {
    const members = membersToSubmit(round, without);
    if (members.length === 0) throw new RoundConflictError('the round has no drinks to submit');
    const menu = await this.#deps.menu();
    const problems: RoundProblem[] = [];
    const priced = [];
    for (const member of members) {
      try {
        priced.push({ member, lines: priceLines(member.lines, menu) });
      } catch (error) {
        if (!(error instanceof PricingError)) throw error;
        const index = Number(/^items\[(\d+)\]/.exec(error.field)?.[1] ?? 0);
        problems.push({
          kind: 'item_unavailable',
          customerId: member.customerId,
          customerName: member.customerName,
          menuItemId: member.lines[index]?.menuItemId ?? '',
          detail: error.message,
        });
      }
    }
    if (problems.length > 0) return { problems };

    const subtotals = priced.map(({ member, lines }) => ({
      customerId: member.customerId,
      cents: lines.reduce((sum, line) => sum + lineTotal(line), 0),
    }));
    for (const [payerId, cents] of chargesByPayer(round.starterId, payer, subtotals)) {
      if (cents === 0) continue;
      const check = await this.#deps.checkTab(payerId, cents);
      if (check.allowed !== false) continue;
      // The starter paying for all: leaving out the starter's own drink is what can help.
      const named = round.members.find((member) => member.customerId === payerId);
      problems.push({
        kind: 'tab_refused',
        customerId: payerId,
        customerName: named?.customerName ?? '',
        detail: check.reason,
      });
    }
    if (problems.length > 0) return { problems };

    const acceptBy = this.#deps.acceptBy();
    return {
      orders: priced.map(({ member, lines }, index) => ({
        id: randomUUID(),
        customerId: member.customerId,
        customerName: member.customerName,
        lines,
        discountCents: 0,
        pointsRedeemed: 0,
        totalCents: subtotals[index]?.cents ?? 0,
        acceptBy,
        roundId: round.id,
        ...(payer === 'starter' && member.customerId !== round.starterId
          ? { payerId: round.starterId }
          : {}),
      })),
    };
  }

  async #visible(roundId: string, customerId: string): Promise<Round> {
    const round = await this.#rounds.find(roundId);
    if (!round || !isMember(round, customerId))
      throw new RoundNotFoundError(`no round has id ${roundId}`);
    return round;
  }

  async #view(round: Round): Promise<RoundView> {
    const menu = await this.#deps.menu();
    return {
      ...round,
      members: round.members.map((member) => ({
        ...member,
        subtotalCents: subtotalOf(member, menu),
      })),
    };
  }
}

/** A member's drinks at today's prices; 0 when one of them cannot be had any more. */
function subtotalOf(member: RoundMember, menu: MenuItem[]): number {
  if (member.lines.length === 0) return 0;
  try {
    return priceLines(member.lines, menu).reduce((sum, line) => sum + lineTotal(line), 0);
  } catch (error) {
    if (error instanceof PricingError) return 0;
    throw error;
  }
}
