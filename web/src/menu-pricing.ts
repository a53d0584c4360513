// What the menu page and the drink page compute from the menu: no I/O, tested in Node.
import type { MenuItem, MenuOption } from './types.ts';

/** Items grouped by category, in menu order. */
export function byCategory(items: MenuItem[]): [string, MenuItem[]][] {
  const groups = new Map<string, MenuItem[]>();
  for (const item of items) groups.set(item.category, [...(groups.get(item.category) ?? []), item]);
  return [...groups];
}

export const defaultOptions = (item: MenuItem): string[] =>
  item.optionGroups.flatMap((group) => group.options.filter((o) => o.isDefault).map((o) => o.id));

/** The price of one drink with these options; the menu's price has every group at its default. */
export function unitPrice(item: MenuItem, optionIds: string[]): number {
  const options = item.optionGroups.flatMap((group) => group.options);
  const delta = (chosen: MenuOption[]) => chosen.reduce((sum, o) => sum + o.priceDeltaCents, 0);
  return (
    item.priceCents +
    delta(options.filter((o) => optionIds.includes(o.id))) -
    delta(options.filter((o) => o.isDefault))
  );
}
