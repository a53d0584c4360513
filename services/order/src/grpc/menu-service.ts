import { menuV1 } from '@everything/contracts';
import { unary, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import type { MenuCatalog } from '../menu/menu-catalog.ts';
import type { MenuItem } from '../menu/menu.ts';

/** Translates between the wire contract and the menu domain; decides nothing itself. */
export function menuService(
  catalog: MenuCatalog,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): menuV1.MenuServiceServer {
  return {
    listMenuItems: unary(
      logger,
      async () => {
        guard();
        const { items } = await catalog.list();
        return { items: items.map(toWire) };
      },
      classify,
    ),
  };
}

function toWire(item: MenuItem): menuV1.MenuItem {
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    category: item.category,
    priceCents: item.priceCents,
    available: item.available,
    optionGroups: item.optionGroups.map((group) => ({
      id: group.id,
      name: group.name,
      minChoices: group.minChoices,
      maxChoices: group.maxChoices,
      options: group.options.map((option) => ({
        id: option.id,
        name: option.name,
        priceDeltaCents: option.priceDeltaCents,
        isDefault: option.isDefault,
      })),
    })),
  };
}
