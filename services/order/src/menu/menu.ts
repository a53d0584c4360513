/** The menu as the order service's domain sees it: plain data, free of any wire format. */
export interface MenuItem {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  /** With every option group at its default choice. */
  priceCents: number;
  available: boolean;
  optionGroups: OptionGroup[];
}

export interface OptionGroup {
  id: string;
  slug: string;
  name: string;
  minChoices: number;
  maxChoices: number;
  options: Option[];
}

export interface Option {
  id: string;
  slug: string;
  name: string;
  priceDeltaCents: number;
  isDefault: boolean;
}

/**
 * The least one drink of this item can cost: the item's price with every option group at its
 * cheapest allowed choice (a small size is cheaper than the default). Below zero, some order
 * would pay the customer.
 */
export function lowestUnitPriceCents(item: MenuItem): number {
  return item.optionGroups.reduce((price, group) => {
    const sum = (options: Option[]) =>
      options.reduce((total, option) => total + option.priceDeltaCents, 0);
    const defaults = sum(group.options.filter((option) => option.isDefault));
    const cheapestFirst = [...group.options].sort((a, b) => a.priceDeltaCents - b.priceDeltaCents);
    // Choosing nothing takes the defaults; choosing k options takes the k cheapest at best.
    let cheapest = defaults;
    for (
      let k = Math.max(1, group.minChoices);
      k <= Math.min(group.maxChoices, cheapestFirst.length);
      k++
    )
      cheapest = Math.min(cheapest, sum(cheapestFirst.slice(0, k)));
    return price + cheapest - defaults;
  }, item.priceCents);
}
