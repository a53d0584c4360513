import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byCategory, defaultOptions, unitPrice } from './menu-pricing.ts';
import type { MenuItem } from './types.ts';

const latte: MenuItem = {
  id: 'latte',
  name: 'Caffè latte',
  description: '',
  category: 'Espresso drinks',
  // With the defaults: regular size, whole milk.
  priceCents: 400,
  available: true,
  optionGroups: [
    {
      id: 'size',
      name: 'Size',
      minChoices: 1,
      maxChoices: 1,
      options: [
        { id: 'small', name: 'Small', priceDeltaCents: -30, isDefault: false },
        { id: 'regular', name: 'Regular', priceDeltaCents: 0, isDefault: true },
        { id: 'large', name: 'Large', priceDeltaCents: 60, isDefault: false },
      ],
    },
    {
      id: 'milk',
      name: 'Milk',
      minChoices: 1,
      maxChoices: 1,
      options: [
        { id: 'whole', name: 'Whole milk', priceDeltaCents: 0, isDefault: true },
        { id: 'oat', name: 'Oat milk', priceDeltaCents: 50, isDefault: false },
      ],
    },
  ],
};

describe('menu pricing in the app', () => {
  test('the defaults are preselected and cost the menu price', () => {
    assert.deepEqual(defaultOptions(latte), ['regular', 'whole']);
    assert.equal(unitPrice(latte, defaultOptions(latte)), 400);
  });

  test('a chosen option adds its difference to the default of its group', () => {
    assert.equal(unitPrice(latte, ['large', 'oat']), 510);
    assert.equal(unitPrice(latte, ['small', 'whole']), 370);
  });

  test('items keep the menu order within their category, categories in order of first item', () => {
    const tea = { ...latte, id: 'tea', category: 'Tea' };
    const flatWhite = { ...latte, id: 'flat-white' };
    assert.deepEqual(
      byCategory([latte, tea, flatWhite]).map(([category, items]) => [
        category,
        items.map((item) => item.id),
      ]),
      [
        ['Espresso drinks', ['latte', 'flat-white']],
        ['Tea', ['tea']],
      ],
    );
  });
});
