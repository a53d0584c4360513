import { menuV1 } from '@everything/contracts';
import { GrpcError, Status, guardedHandlers, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import {
  MenuItemNotFoundError,
  MenuNameTakenError,
  MenuValidationError,
  type MenuAdmin,
} from '../menu/menu-admin.ts';
import type { MenuCatalog } from '../menu/menu-catalog.ts';
import type { MenuItem } from '../menu/menu.ts';

function classifyMenuError(error: unknown): GrpcError | undefined {
  if (error instanceof MenuValidationError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message);
  if (error instanceof MenuItemNotFoundError) return new GrpcError(Status.NOT_FOUND, error.message);
  if (error instanceof MenuNameTakenError)
    return new GrpcError(Status.ALREADY_EXISTS, error.message);
  return undefined;
}

/** Translates between the wire contract and the menu domain; decides nothing itself. */
export function menuService(
  catalog: MenuCatalog,
  admin: MenuAdmin,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): menuV1.MenuServiceServer {
  const handle = guardedHandlers(logger, guard, [classifyMenuError, classify]);
  return {
    listMenuItems: handle(async () => ({ items: (await catalog.list()).items.map(toWire) })),
    createMenuItem: handle(async (request: menuV1.CreateMenuItemRequest) => ({
      item: toWire(await admin.create(request)),
    })),
    updateMenuItem: handle(async (request: menuV1.UpdateMenuItemRequest) => {
      const { id, updateOptionGroups, optionGroupIds, ...changes } = request;
      // Unset optional fields arrive as undefined and must not overwrite anything.
      const set = Object.fromEntries(
        Object.entries(changes).filter(([, value]) => (value as unknown) !== undefined),
      );
      return {
        item: toWire(
          await admin.update(id, { ...set, ...(updateOptionGroups ? { optionGroupIds } : {}) }),
        ),
      };
    }),
    deleteMenuItem: handle(async (request: menuV1.DeleteMenuItemRequest) => {
      await admin.delete(request.id);
      return {};
    }),
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
