import type { MenuItem } from '../menu/menu.ts';
import type { OrderLine } from './order.ts';

export interface LineRequest {
  menuItemId: string;
  quantity: number;
  optionIds: string[];
}

/** A line the menu cannot serve; `field` names it the way the API's client sent it. */
export class PricingError extends Error {
  override name = 'PricingError';
  readonly field: string;
  /** True when the request is well-formed but the item cannot be had now (422, not 400). */
  readonly unavailable: boolean;

  constructor(field: string, message: string, unavailable = false) {
    super(`${field}: ${message}`);
    this.field = field;
    this.unavailable = unavailable;
  }
}

/** A free drink: the most expensive single drink of the order, one unit of it. */
export function freeDrinkDiscount(lines: OrderLine[]): number {
  return Math.max(0, ...lines.map((line) => line.unitPriceCents));
}

export const MAX_LINES = 20;
export const MAX_QUANTITY = 20;

/**
 * Prices an order from the current menu, never from the client: each line's item must exist
 * and be available, its options must belong to the item and satisfy each group's minimum and
 * maximum; groups left out take their default. The item's price already includes the defaults,
 * so a line costs the price plus the chosen options' deltas minus the replaced defaults'.
 */
export function priceLines(requests: LineRequest[], menu: MenuItem[]): OrderLine[] {
  if (requests.length === 0) throw new PricingError('items', 'must have at least one line');
  if (requests.length > MAX_LINES)
    throw new PricingError('items', `must have at most ${MAX_LINES} lines`);
  const byId = new Map(menu.map((item) => [item.id, item]));

  return requests.map((request, index) => {
    const field = `items[${index}]`;
    const item = byId.get(request.menuItemId);
    if (!item) throw new PricingError(`${field}.menuItemId`, 'is not on the menu');
    if (!item.available)
      throw new PricingError(`${field}.menuItemId`, `${item.name} is unavailable`, true);
    if (
      !Number.isInteger(request.quantity) ||
      request.quantity < 1 ||
      request.quantity > MAX_QUANTITY
    ) {
      throw new PricingError(`${field}.quantity`, `must be an integer from 1 to ${MAX_QUANTITY}`);
    }

    const chosen = new Set(request.optionIds);
    if (chosen.size !== request.optionIds.length)
      throw new PricingError(`${field}.options`, 'lists an option twice');
    const known = new Set(
      item.optionGroups.flatMap((group) => group.options.map((option) => option.id)),
    );
    for (const id of chosen) {
      if (!known.has(id))
        throw new PricingError(`${field}.options`, `${id} is not an option of ${item.name}`);
    }

    let unitPriceCents = item.priceCents;
    const options: OrderLine['options'] = [];
    for (const group of item.optionGroups) {
      const picked = group.options.filter((option) => chosen.has(option.id));
      const defaults = group.options.filter((option) => option.isDefault);
      const effective = picked.length > 0 ? picked : defaults;
      if (effective.length < group.minChoices) {
        throw new PricingError(
          `${field}.options`,
          `choose at least ${group.minChoices} of ${group.name}`,
        );
      }
      if (effective.length > group.maxChoices) {
        throw new PricingError(
          `${field}.options`,
          `choose at most ${group.maxChoices} of ${group.name}`,
        );
      }
      for (const option of effective) {
        options.push({ id: option.id, name: option.name, priceDeltaCents: option.priceDeltaCents });
        unitPriceCents += option.priceDeltaCents;
      }
      for (const option of defaults) unitPriceCents -= option.priceDeltaCents;
    }
    // The menu admin refuses prices that allow this; a menu changed behind its back must still
    // never sell a drink for less than nothing.
    if (unitPriceCents < 0)
      throw new PricingError(
        `${field}.options`,
        `${item.name} cannot be sold with these options right now`,
        true,
      );
    return {
      menuItemId: item.id,
      name: item.name,
      quantity: request.quantity,
      options,
      unitPriceCents,
    };
  });
}
