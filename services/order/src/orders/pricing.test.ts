import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MenuItem } from '../menu/menu.ts';
import { lineTotal } from './order.ts';
import { PricingError, priceLines } from './pricing.ts';

const option = (id: string, priceDeltaCents: number, isDefault = false) => ({
  id,
  slug: id,
  name: id,
  priceDeltaCents,
  isDefault,
});

const latte: MenuItem = {
  id: 'latte',
  slug: 'latte',
  name: 'Caffè latte',
  description: '',
  category: 'Espresso drinks',
  priceCents: 400,
  available: true,
  optionGroups: [
    {
      id: 'size',
      slug: 'size',
      name: 'Size',
      minChoices: 1,
      maxChoices: 1,
      options: [option('small', -40), option('regular', 0, true), option('large', 60)],
    },
    {
      id: 'milk',
      slug: 'milk',
      name: 'Milk',
      minChoices: 1,
      maxChoices: 1,
      options: [option('whole', 0, true), option('oat', 50)],
    },
    {
      id: 'extras',
      slug: 'extras',
      name: 'Extras',
      minChoices: 0,
      maxChoices: 2,
      options: [option('shot', 80), option('vanilla', 50), option('caramel', 50)],
    },
  ],
};
const soldOut: MenuItem = { ...latte, id: 'mocha', name: 'Mocha', available: false };
const menu = [latte, soldOut];

const rejects = (
  lines: Parameters<typeof priceLines>[0],
  field: string,
  message: RegExp,
  unavailable = false,
) =>
  assert.throws(
    () => priceLines(lines, menu),
    (error: unknown) =>
      error instanceof PricingError &&
      error.field === field &&
      message.test(error.message) &&
      error.unavailable === unavailable,
  );

test('a line without options costs the menu price and records the defaults', () => {
  const [line] = priceLines([{ menuItemId: 'latte', quantity: 2, optionIds: [] }], menu);
  assert.ok(line);
  assert.equal(line.unitPriceCents, 400);
  assert.equal(lineTotal(line), 800);
  assert.deepEqual(
    line.options.map((chosen) => chosen.id),
    ['regular', 'whole'],
  );
});

test('chosen options replace defaults and add their deltas', () => {
  const [line] = priceLines(
    [{ menuItemId: 'latte', quantity: 1, optionIds: ['large', 'oat', 'shot', 'vanilla'] }],
    menu,
  );
  assert.equal(line?.unitPriceCents, 400 + 60 + 50 + 80 + 50);
  assert.deepEqual(
    line.options.map((chosen) => chosen.id),
    ['large', 'oat', 'shot', 'vanilla'],
  );
});

test('a smaller size makes the drink cheaper', () => {
  assert.equal(
    priceLines([{ menuItemId: 'latte', quantity: 1, optionIds: ['small'] }], menu)[0]
      ?.unitPriceCents,
    360,
  );
});

test('an unavailable item is rejected as unavailable, naming the line', () => {
  rejects(
    [{ menuItemId: 'mocha', quantity: 1, optionIds: [] }],
    'items[0].menuItemId',
    /Mocha is unavailable/,
    true,
  );
});

test('malformed lines are rejected naming the field', () => {
  rejects([], 'items', /at least one line/);
  rejects(
    [{ menuItemId: 'tea', quantity: 1, optionIds: [] }],
    'items[0].menuItemId',
    /not on the menu/,
  );
  rejects(
    [{ menuItemId: 'latte', quantity: 0, optionIds: [] }],
    'items[0].quantity',
    /from 1 to 20/,
  );
  rejects(
    [{ menuItemId: 'latte', quantity: 1.5, optionIds: [] }],
    'items[0].quantity',
    /from 1 to 20/,
  );
  rejects(
    [{ menuItemId: 'latte', quantity: 1, optionIds: ['espresso'] }],
    'items[0].options',
    /not an option of Caffè latte/,
  );
  rejects(
    [{ menuItemId: 'latte', quantity: 1, optionIds: ['large', 'small'] }],
    'items[0].options',
    /at most 1 of Size/,
  );
  rejects(
    [{ menuItemId: 'latte', quantity: 1, optionIds: ['shot', 'vanilla', 'caramel'] }],
    'items[0].options',
    /at most 2 of Extras/,
  );
  rejects(
    [{ menuItemId: 'latte', quantity: 1, optionIds: ['oat', 'oat'] }],
    'items[0].options',
    /twice/,
  );
  rejects(
    Array.from({ length: 21 }, () => ({ menuItemId: 'latte', quantity: 1, optionIds: [] })),
    'items',
    /at most 20 lines/,
  );
});

test('options that would take a drink below zero are refused as unavailable, naming the line', () => {
  const cheap: MenuItem = { ...latte, id: 'espresso', name: 'Espresso', priceCents: 20 };
  assert.throws(
    () => priceLines([{ menuItemId: 'espresso', quantity: 1, optionIds: ['small'] }], [cheap]),
    (error: unknown) =>
      error instanceof PricingError &&
      error.field === 'items[0].options' &&
      error.unavailable &&
      /Espresso cannot be sold with these options/.test(error.message),
  );
  assert.equal(
    priceLines([{ menuItemId: 'espresso', quantity: 1, optionIds: [] }], [cheap])[0]
      ?.unitPriceCents,
    20,
  );
});
