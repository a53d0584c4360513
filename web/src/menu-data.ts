import { api } from './api.ts';
import type { MenuItem } from './types.ts';

export const loadMenu = (signal?: AbortSignal) =>
  api<{ items: MenuItem[] }>('/v1/menu', { signal }).then((menu) => menu.items);

/**
 * The menu as the server has it now, for the admin who just changed it: the browser may keep
 * the menu for a few seconds (Cache-Control), so this asks the server every time, which answers
 * a 304 when the copy the browser holds is still the menu.
 */
export const loadMenuRevalidated = (signal?: AbortSignal) =>
  api<{ items: MenuItem[] }>('/v1/menu', { signal, cache: 'no-cache' }).then((menu) => menu.items);
