import { api } from './api.ts';
import type { MenuItem } from './types.ts';

export const loadMenu = (signal?: AbortSignal) =>
  api<{ items: MenuItem[] }>('/v1/menu', { signal }).then((menu) => menu.items);
