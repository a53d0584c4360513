// The drill's invariants must fail when the books are wrong: each broken book below is the
// kind of defect a fault could cause, and only its own invariant may call it out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, type Books, type Invariant, type OrderRow } from './invariants.ts';

const customer = 'c0000000-0000-4000-8000-000000000001';
const order = (id: string, status: string, totalCents = 450): OrderRow => ({
  id,
  customer_id: customer,
  status,
  total_cents: totalCents,
  open_too_long: false,
});

/** A café after three orders: one completed, one cancelled and refunded, one still placed. */
function balancedBooks(): Books {
  return {
    orders: [order('done', 'completed'), order('gone', 'cancelled'), order('open', 'placed')],
    tab: [
      { order_id: 'done', kind: 'charge', amount_cents: 450 },
      { order_id: 'gone', kind: 'charge', amount_cents: 450 },
      { order_id: 'gone', kind: 'refund', amount_cents: 450 },
      { order_id: 'open', kind: 'charge', amount_cents: 450 },
    ],
    loyalty: [{ customer_id: customer, order_id: 'done', points: 4, reason: 'earned' }],
    outbox: [1, 2, 3, 4, 5].map((id) => ({ id: String(id), event_id: `e${id}`, published: true })),
    processed: ['e1', 'e2', 'e3', 'e4', 'e5'],
    stats: [{ customer_id: customer, orders_completed: 1 }],
    deadLetters: 0,
  };
}
const acknowledged = new Map([
  ['done', 'completed'],
  ['gone', 'cancelled'],
  ['open', 'placed'],
]);
const watcher = { from: 0, seen: new Set([1, 2, 3, 4, 5]) };

/** The invariants that found something. */
function broken(books: Books, acks = acknowledged, watchers = [watcher]): Invariant[] {
  const violations = judge(books, acks, watchers);
  return (Object.keys(violations) as Invariant[]).filter((name) => violations[name].length > 0);
}

describe('the drill invariants', () => {
  it('hold for balanced books', () => {
    assert.deepEqual(broken(balancedBooks()), []);
  });

  it('catch an order answered 2xx that order_db lost, or that went back on its answer', () => {
    assert.deepEqual(broken(balancedBooks(), new Map([...acknowledged, ['lost', 'placed']])), [
      'acknowledged',
    ]);
    const books = balancedBooks();
    books.orders[1] = order('gone', 'completed');
    assert.ok(broken(books).includes('acknowledged'));
  });

  it('catch an order left open past its timeout', () => {
    const books = balancedBooks();
    books.orders[2] = { ...order('open', 'placed'), open_too_long: true };
    assert.deepEqual(broken(books), ['acknowledged']);
  });

  it('catch a second charge, and a charge for an order that does not exist', () => {
    const twice = balancedBooks();
    twice.tab.push({ order_id: 'open', kind: 'charge', amount_cents: 450 });
    assert.deepEqual(broken(twice), ['chargedOnce']);
    const stray = balancedBooks();
    stray.tab.push({ order_id: 'ghost', kind: 'charge', amount_cents: 450 });
    assert.deepEqual(broken(stray), ['chargedOnce']);
  });

  it('catch a cancelled order never refunded, refunded twice or refunded short', () => {
    for (const refunds of [[], [450, 450], [300]]) {
      const books = balancedBooks();
      books.tab = books.tab.filter(
        (entry) => !(entry.order_id === 'gone' && entry.kind === 'refund'),
      );
      for (const amount of refunds)
        books.tab.push({ order_id: 'gone', kind: 'refund', amount_cents: amount });
      assert.deepEqual(broken(books), ['refunds'], `refunds ${JSON.stringify(refunds)}`);
    }
  });

  it('catch a completed order refunded, or charged other than its total', () => {
    const refunded = balancedBooks();
    refunded.tab.push({ order_id: 'done', kind: 'refund', amount_cents: 450 });
    assert.deepEqual(broken(refunded), ['refunds']);
    const wrong = balancedBooks();
    wrong.tab[0] = { order_id: 'done', kind: 'charge', amount_cents: 400 };
    assert.deepEqual(broken(wrong), ['completedCharged']);
  });

  it('catch points earned twice, never, or by an order not completed', () => {
    const twice = balancedBooks();
    twice.loyalty.push({ customer_id: customer, order_id: 'done', points: 4, reason: 'earned' });
    assert.deepEqual(broken(twice), ['points']);
    const never = balancedBooks();
    never.loyalty = [];
    assert.deepEqual(broken(never), ['points']);
    const early = balancedBooks();
    early.loyalty.push({ customer_id: customer, order_id: 'open', points: 4, reason: 'earned' });
    assert.deepEqual(broken(early), ['points']);
  });

  it('count redemptions and their restoration in the balance', () => {
    const books = balancedBooks();
    books.loyalty.push(
      { customer_id: customer, order_id: 'gone', points: -100, reason: 'redeemed' },
      { customer_id: customer, order_id: 'gone', points: 100, reason: 'restored' },
    );
    assert.deepEqual(broken(books), []);
  });

  it('catch an event unpublished, unapplied, applied twice or dead-lettered', () => {
    const unpublished = balancedBooks();
    unpublished.outbox[4] = { id: '5', event_id: 'e5', published: false };
    assert.deepEqual(broken(unpublished), ['events']);
    const unapplied = balancedBooks();
    unapplied.processed.pop();
    assert.deepEqual(broken(unapplied), ['events']);
    const twice = balancedBooks();
    twice.stats = [{ customer_id: customer, orders_completed: 2 }];
    assert.deepEqual(broken(twice), ['events']);
    const stranger = balancedBooks();
    stranger.processed.push('e6');
    assert.deepEqual(broken(stranger), ['events']);
    const deadLettered = balancedBooks();
    deadLettered.deadLetters = 1;
    assert.deepEqual(broken(deadLettered), ['events']);
  });

  it('catch a watcher that missed an event, but not one logged before it started', () => {
    assert.deepEqual(
      broken(balancedBooks(), acknowledged, [{ from: 0, seen: new Set([1, 2, 4, 5]) }]),
      ['streams'],
    );
    assert.deepEqual(
      broken(balancedBooks(), acknowledged, [{ from: 2, seen: new Set([3, 4, 5]) }]),
      [],
    );
  });
});
