// The cart lives in localStorage: it survives a reload and signing in halfway through ordering.
import { createStore } from './store.ts';

export interface CartLine {
  key: string;
  menuItemId: string;
  name: string;
  optionIds: string[];
  optionNames: string[];
  unitPriceCents: number;
  quantity: number;
}

export interface Cart {
  lines: CartLine[];
  /**
   * The Idempotency-Key of placing this cart as it is: a double tap or a retry after a lost
   * answer sends the same key and gets the same order; any change to the cart makes a new one.
   */
  checkoutKey: string;
}

const KEY = 'everything.cart';

const fresh = (lines: CartLine[]): Cart => ({ lines, checkoutKey: crypto.randomUUID() });

function load(): Cart {
  try {
    const stored = localStorage.getItem(KEY);
    if (stored) return JSON.parse(stored) as Cart;
  } catch {
    // A cart that cannot be read is an empty cart.
  }
  return fresh([]);
}

export const cart = createStore<Cart>(load());

function save(next: Cart): void {
  localStorage.setItem(KEY, JSON.stringify(next));
  cart.set(next);
}

export function addToCart(line: Omit<CartLine, 'key'>): void {
  const key = `${line.menuItemId}|${[...line.optionIds].sort().join(',')}`;
  const lines = cart.get().lines;
  const existing = lines.find((candidate) => candidate.key === key);
  save(
    fresh(
      existing
        ? lines.map((candidate) =>
            candidate === existing
              ? { ...candidate, quantity: Math.min(20, candidate.quantity + line.quantity) }
              : candidate,
          )
        : [...lines, { ...line, key }],
    ),
  );
}

export function setQuantity(key: string, quantity: number): void {
  save(
    fresh(
      cart
        .get()
        .lines.flatMap((line) =>
          line.key !== key ? [line] : quantity > 0 ? [{ ...line, quantity }] : [],
        ),
    ),
  );
}

export const clearCart = (): void => save(fresh([]));

export const cartCount = (current: Cart): number =>
  current.lines.reduce((sum, line) => sum + line.quantity, 0);

addEventListener('storage', (event) => {
  if (event.key === KEY) cart.set(load());
});
